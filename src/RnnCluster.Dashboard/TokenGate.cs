using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace RnnCluster.Dashboard;

/// <summary>
/// The bearer-token check in front of every endpoint but the health checks (which orchestrators
/// probe without credentials and which reveal nothing). A browser cannot add a header to the page
/// or to an EventSource, so opening /?token=TOKEN once sets an HttpOnly cookie that counts as the header.
/// </summary>
internal sealed class TokenGate(string token)
{
    public const string Cookie = "rnncluster_token";
    private readonly byte[] _token = Encoding.UTF8.GetBytes(token);

    public static bool IsOpen(PathString path) => path == "/healthz" || path == "/ready";

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (IsOpen(context.Request.Path))
        {
            await next(context);
            return;
        }
        if (context.Request.Path == "/" && context.Request.Query["token"] is { Count: 1 } query && Matches(query[0]))
        {
            context.Response.Cookies.Append(Cookie, query[0]!, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            context.Response.Redirect("/");
            return;
        }
        string? header = context.Request.Headers.Authorization;
        string? presented = header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim()
            : context.Request.Cookies[Cookie];
        if (!Matches(presented))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await ApiError.Result(StatusCodes.Status401Unauthorized, "a bearer token is required (Authorization: Bearer TOKEN, or open /?token=TOKEN)").ExecuteAsync(context);
            return;
        }
        await next(context);
    }

    private bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _token);
}
