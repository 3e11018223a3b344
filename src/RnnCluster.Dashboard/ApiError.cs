using Microsoft.AspNetCore.Http;

namespace RnnCluster.Dashboard;

/// <summary>The body of every refused request: one message for people, never a stack trace.</summary>
public sealed record ApiError(string Error)
{
    public static IResult Result(int status, string message) => Results.Json(new ApiError(message), statusCode: status);
}
