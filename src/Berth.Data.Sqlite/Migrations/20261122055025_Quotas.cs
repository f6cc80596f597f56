using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Berth.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Quotas : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "project_blobs",
                columns: table => new
                {
                    ProjectId = table.Column<long>(type: "INTEGER", nullable: false),
                    BlobId = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_project_blobs", x => new { x.ProjectId, x.BlobId });
                    table.ForeignKey(
                        name: "FK_project_blobs_blobs_BlobId",
                        column: x => x.BlobId,
                        principalTable: "blobs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_project_blobs_projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "quotas",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ProjectId = table.Column<long>(type: "INTEGER", nullable: false),
                    Hard = table.Column<long>(type: "INTEGER", nullable: false),
                    Used = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_quotas", x => x.Id);
                    table.ForeignKey(
                        name: "FK_quotas_projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_project_blobs_BlobId",
                table: "project_blobs",
                column: "BlobId");

            migrationBuilder.CreateIndex(
                name: "IX_quotas_ProjectId",
                table: "quotas",
                column: "ProjectId",
                unique: true);

            // Projects from before quotas: no limit, and every blob their repositories hold counts once per project.
            migrationBuilder.Sql("""
                INSERT INTO quotas (ProjectId, Hard, Used, CreatedAt, UpdatedAt)
                SELECT Id, -1, 0, CreatedAt, CreatedAt FROM projects;
                """);
            migrationBuilder.Sql("""
                INSERT OR IGNORE INTO project_blobs (ProjectId, BlobId, CreatedAt)
                SELECT p.Id, l.BlobId, l.CreatedAt
                FROM repository_blobs l
                JOIN repositories r ON r.Id = l.RepositoryId
                JOIN projects p ON p.Name = substr(r.Name, 1, instr(r.Name, '/') - 1);
                """);
            migrationBuilder.Sql("""
                UPDATE quotas SET Used = (
                    SELECT COALESCE(SUM(b.Size), 0) FROM project_blobs pb JOIN blobs b ON b.Id = pb.BlobId
                    WHERE pb.ProjectId = quotas.ProjectId);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "project_blobs");

            migrationBuilder.DropTable(
                name: "quotas");
        }
    }
}
