using System.Text.Json;
using Berth.Api;
using Berth.Api.Query;
using Berth.Auth;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Projects;
using Microsoft.EntityFrameworkCore;

namespace Berth.Audit;

/// <summary>Harbor's legacy audit log: <c>GET /api/v2.0/audit-logs</c> and <c>GET /api/v2.0/projects/{project_name}/logs</c>.</summary>
/// <remarks>
/// As in Harbor, <c>/audit-logs</c> shows everything to whoever holds the system <c>audit-log</c> list permission
/// (administrators, system robots given it) and, to any other signed-in user, the lines of the projects where they may
/// list the log (their role's <c>log</c> permission: project administrators); other robots see none.
/// </remarks>
public static class AuditLogEndpoints
{
    /// <summary>What <c>q=</c> and <c>sort=</c> may name: Harbor's audit log columns.</summary>
    private static readonly QueryFields<AuditLogEntry> Fields = new QueryFields<AuditLogEntry>()
        .Number("id", a => a.Id)
        .Number("project_id", a => a.ProjectId)
        .Text("operation", a => a.Operation)
        .Text("resource", a => a.Resource)
        .Text("resource_type", a => a.ResourceType)
        .Text("username", a => a.Username)
        .Time("op_time", a => a.OpTime)
        .Sortable("id", a => a.Id)
        .Sortable("project_id", a => a.ProjectId)
        .Sortable("operation", a => a.Operation)
        .Sortable("resource", a => a.Resource)
        .Sortable("resource_type", a => a.ResourceType)
        .Sortable("username", a => a.Username)
        .Sortable("op_time", a => a.OpTime)
        .DefaultOrder("id", new QuerySort("op_time", true));

    public static IEndpointRouteBuilder MapAuditLogs(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/v2.0/audit-logs", ListAsync).AddEndpointFilter<ApiErrorFilter>();
        endpoints.MapGet("/api/v2.0/projects/{projectName}/logs", ListOfProjectAsync).AddEndpointFilter<ApiErrorFilter>();
        return endpoints;
    }

    private static async Task ListAsync(HttpContext context, BerthDbContext db)
    {
        var subject = await ApiPrincipal.RequireAsync(context);
        var query = HarborQuery.From(context.Request);
        var paging = ApiPaging.From(context.Request);
        var lines = db.AuditLog.AsNoTracking();
        if (!RbacEvaluator.CanInSystem(subject, Rbac.AuditLog, Rbac.List))
        {
            var projects = await ReadableProjectsAsync(db, subject, context.RequestAborted);
            lines = lines.Where(a => projects.Contains(a.ProjectId));
        }

        await WritePageAsync(context, lines, query, paging);
    }

    private static async Task ListOfProjectAsync(HttpContext context, BerthDbContext db, ProjectService projects, string projectName)
    {
        var subject = await ApiPrincipal.GetAsync(context);
        var access = await projects.RequireAsync(subject, projectName, isName: true, Rbac.Log, Rbac.List, context.RequestAborted);
        var query = HarborQuery.From(context.Request);
        var paging = ApiPaging.From(context.Request);
        var projectId = access.ProjectId;
        await WritePageAsync(context, db.AuditLog.AsNoTracking().Where(a => a.ProjectId == projectId), query, paging);
    }

    /// <summary>The projects whose log a signed-in user may list: those where their role holds <c>log</c> <c>list</c>.</summary>
    private static async Task<List<long>> ReadableProjectsAsync(BerthDbContext db, Subject subject, CancellationToken cancellationToken)
    {
        if (!subject.IsUser)
        {
            return [];
        }

        var memberships = await db.ProjectMembers.AsNoTracking().Where(m => m.UserId == subject.Id)
            .Join(db.Projects, m => m.ProjectId, p => p.Id, (m, p) => new { p.Id, p.Public, m.Role })
            .ToListAsync(cancellationToken);
        var wanted = new Permission(Rbac.Log, Rbac.List);
        return memberships.Where(m => RbacEvaluator.Permissions(subject, m.Id, m.Public, m.Role).Contains(wanted)).Select(m => m.Id).ToList();
    }

    private static async Task WritePageAsync(HttpContext context, IQueryable<AuditLogEntry> lines, HarborQuery query, ApiPaging paging)
    {
        lines = Fields.Filter(lines, query);
        var total = await lines.CountAsync(context.RequestAborted);
        var page = total <= paging.Skip
            ? []
            : await Fields.Sort(lines, query).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(context.RequestAborted);
        paging.SetHeaders(context, total);
        await ApiJson.WriteAsync(context, writer =>
        {
            writer.WriteStartArray();
            page.ForEach(line => Write(writer, line));
            writer.WriteEndArray();
        });
    }

    /// <summary>Harbor's <c>AuditLog</c>.</summary>
    private static void Write(Utf8JsonWriter writer, AuditLogEntry line)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", line.Id);
        writer.WriteString("username", line.Username);
        writer.WriteString("resource", line.Resource);
        writer.WriteString("resource_type", line.ResourceType);
        writer.WriteString("operation", line.Operation);
        writer.WriteString("op_time", ApiJson.Time(line.OpTime));
        writer.WriteEndObject();
    }
}
