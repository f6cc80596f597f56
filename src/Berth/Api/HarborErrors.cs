using System.Text.Json;

namespace Berth.Api;

/// <summary>Harbor's error body on <c>/api/v2.0</c>: <c>{"errors":[{"code":"NOT_FOUND","message":"…"}]}</c>.</summary>
public static class HarborErrors
{
    public static async Task WriteAsync(HttpContext context, int status, string code, string message)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return;
        }

        response.StatusCode = status;
        response.ContentLength = null;
        response.ContentType = "application/json; charset=utf-8";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteStartArray("errors");
        writer.WriteStartObject();
        writer.WriteString("code", code);
        writer.WriteString("message", message);
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}

/// <summary>Ends an API request with one of Harbor's errors; <see cref="ApiErrorFilter"/> writes it.</summary>
public sealed class ApiException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public static ApiException BadRequest(string message) => new(400, "BAD_REQUEST", message);

    public static ApiException Unauthorized() => new(401, "UNAUTHORIZED", "unauthorized");

    public static ApiException Forbidden(string message = "forbidden") => new(403, "FORBIDDEN", message);

    public static ApiException NotFound(string message) => new(404, "NOT_FOUND", message);

    public static ApiException Conflict(string message) => new(409, "CONFLICT", message);

    public static ApiException Precondition(string message) => new(412, "PRECONDITION", message);
}

/// <summary>Maps <see cref="ApiException"/>, a tag immutability refusal and malformed bodies to Harbor's error body for every <c>/api/v2.0</c> endpoint.</summary>
/// <remarks>Anything else is the server's own failure: 500 with Harbor's "internal server error", the details only in the log.</remarks>
public sealed partial class ApiErrorFilter(ILogger<ApiErrorFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (ApiException ex)
        {
            await HarborErrors.WriteAsync(context.HttpContext, ex.Status, ex.Code, ex.Message);
            return Results.Empty;
        }
        catch (Projects.Immutability.ImmutableTagException ex)
        {
            await HarborErrors.WriteAsync(context.HttpContext, StatusCodes.Status412PreconditionFailed, "PRECONDITION", ex.Message);
            return Results.Empty;
        }
        catch (BadHttpRequestException ex)
        {
            await HarborErrors.WriteAsync(context.HttpContext, ex.StatusCode, ex.StatusCode == 413 ? "REQUEST_ENTITY_TOO_LARGE" : "BAD_REQUEST", ex.Message);
            return Results.Empty;
        }
        catch (Exception ex) when (DatabaseErrors.IsBadText(ex) && !context.HttpContext.Response.HasStarted)
        {
            await HarborErrors.WriteAsync(context.HttpContext, 400, "BAD_REQUEST", "the request holds characters that cannot be stored (such as NUL)");
            return Results.Empty;
        }
        catch (Exception ex) when (!context.HttpContext.RequestAborted.IsCancellationRequested && Unavailable.DependencyOf(ex) is { } dependency)
        {
            await Unavailable.WriteAsync(context.HttpContext, dependency, ex);
            return Results.Empty;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            LogFailure(logger, ex, context.HttpContext.Request.Method, context.HttpContext.Request.Path);
            if (context.HttpContext.Response.HasStarted)
            {
                context.HttpContext.Abort(); // half a body is sent: the client must see a broken response, not a complete one
                return Results.Empty;
            }

            context.HttpContext.Response.Clear();
            await HarborErrors.WriteAsync(context.HttpContext, 500, "UNKNOWN", "internal server error");
            return Results.Empty;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void LogFailure(ILogger logger, Exception exception, string method, PathString path);
}

/// <summary>
/// Harbor's error body for an <c>/api/</c> request that no endpoint took (404) or that names an endpoint with another
/// method (405): routing answers both with an empty body, which Harbor's clients cannot read.
/// </summary>
public static class UnmatchedApiRequests
{
    public static IApplicationBuilder UseUnmatchedApiErrors(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        await next(context);
        var status = context.Response.StatusCode;
        if (context.Response.HasStarted || !context.Request.Path.StartsWithSegments("/api"))
        {
            return;
        }

        if (status == StatusCodes.Status404NotFound && context.GetEndpoint() is null)
        {
            await HarborErrors.WriteAsync(context, status, "NOT_FOUND", $"path {context.Request.Path} was not found");
        }
        else if (status == StatusCodes.Status405MethodNotAllowed)
        {
            await HarborErrors.WriteAsync(context, status, "METHOD_NOT_ALLOWED", $"method {context.Request.Method} is not allowed on {context.Request.Path}");
        }
    });
}
