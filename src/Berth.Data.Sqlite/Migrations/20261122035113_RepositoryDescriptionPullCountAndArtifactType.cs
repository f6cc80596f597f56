using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Berth.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class RepositoryDescriptionPullCountAndArtifactType : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Description",
                table: "repositories",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<long>(
                name: "PullCount",
                table: "repositories",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "ConfigMediaType",
                table: "artifacts",
                type: "TEXT",
                maxLength: 255,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Type",
                table: "artifacts",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "UNKNOWN");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Description",
                table: "repositories");

            migrationBuilder.DropColumn(
                name: "PullCount",
                table: "repositories");

            migrationBuilder.DropColumn(
                name: "ConfigMediaType",
                table: "artifacts");

            migrationBuilder.DropColumn(
                name: "Type",
                table: "artifacts");
        }
    }
}
