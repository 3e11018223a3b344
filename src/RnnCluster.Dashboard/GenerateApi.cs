using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RnnCluster.Core.Sampling;
using RnnCluster.Training.Store;

namespace RnnCluster.Dashboard;

/// <summary>
/// POST /api/generate: text from any stored checkpoint, as `rnncluster generate` makes it (the same
/// loader and <see cref="TextGenerator"/>), within <see cref="GenerationLimits"/>.
/// </summary>
internal static class GenerateApi
{
    public static void Map(IEndpointRouteBuilder app, StoreAccess store, GenerationLimits limits, JsonSerializerOptions json)
    {
        var slots = new SemaphoreSlim(limits.MaxConcurrent, Math.Max(1, limits.MaxConcurrent)); // 0: generation off, every request 429
        app.MapPost("/api/generate", async (HttpContext http) =>
        {
            GenerateRequest? request;
            try
            {
                request = await JsonSerializer.DeserializeAsync<GenerateRequest>(http.Request.Body, json, http.RequestAborted);
            }
            catch (JsonException e)
            {
                return ApiError.Result(StatusCodes.Status400BadRequest, $"the body must be a JSON object like {{\"run\":\"ID\",\"length\":200}}: {e.Message}");
            }
            if (request is null || string.IsNullOrWhiteSpace(request.Run))
                return ApiError.Result(StatusCodes.Status400BadRequest, "run is required");
            if (Problem(request, limits) is { } problem)
                return ApiError.Result(problem.Status, problem.Message);
            if (!await slots.WaitAsync(0))
                return ApiError.Result(StatusCodes.Status429TooManyRequests, $"{limits.MaxConcurrent} generations are running; try again when one is done");
            try
            {
                StoredCheckpoint loaded;
                try
                {
                    loaded = await store.UseAsync(s => s.LoadAsync(request.Run, request.Step), null!)
                             ?? throw new CheckpointStoreException("this dashboard has no store");
                }
                catch (CheckpointStoreException e)
                {
                    return ApiError.Result(StatusCodes.Status404NotFound, e.Message);
                }
                var c = loaded.Checkpoint;
                var options = new GenerationOptions(request.Length ?? 300, (float)(request.Temperature ?? 0.8), request.TopK ?? 0, request.Prime ?? "", request.Seed ?? 1);
                string text;
                try
                {
                    text = await OnOwnThread(() =>
                    {
                        using var generator = new TextGenerator(c.Model, c.Parameters, c.Vocabulary);
                        return generator.Generate(options);
                    });
                }
                catch (ArgumentException e)
                {
                    return ApiError.Result(StatusCodes.Status400BadRequest, e.Message); // a prime the vocabulary cannot encode
                }
                return Results.Json(new { run = c.RunId, step = c.Step, text });
            }
            finally
            {
                slots.Release();
            }
        });
    }

    /// <summary>Why the request is refused, with its status; null when it is fine.</summary>
    internal static (int Status, string Message)? Problem(GenerateRequest r, GenerationLimits limits) =>
        r.Length is < 0 ? (400, "length must be >= 0")
        : r.Length > limits.MaxLength ? (400, $"length must be at most {limits.MaxLength}")
        : r.Temperature is { } t && (!double.IsFinite(t) || t < 0) ? (400, "temperature must be a finite number >= 0 (0 = greedy)")
        : r.TopK is < 0 ? (400, "topK must be >= 0 (0 = all tokens)")
        : r.TopK > limits.MaxTopK ? (400, $"topK must be at most {limits.MaxTopK}")
        : r.Step is < 0 ? (400, "step must be >= 0")
        : r.Prime is { Length: var n } && n > limits.MaxPrimeChars ? (413, $"prime must be at most {limits.MaxPrimeChars} characters")
        : null;

    /// <summary>Generation is math: it runs on a thread of its own, not the pool that carries Akka's heartbeats and the web server.</summary>
    private static Task<T> OnOwnThread<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }) { IsBackground = true, Name = "dashboard-generate", Priority = ThreadPriority.BelowNormal }.Start();
        return done.Task;
    }
}
