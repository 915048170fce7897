using Microsoft.AspNetCore.Diagnostics;

namespace FoodOrdering.Host.Infrastructure;

/// <summary>Turns request binding failures into a 4xx ProblemDetails that says what was wrong, instead of a 500.</summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }
        Security.SecurityMetrics.Reject(badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge ? Security.SecurityMetrics.BodyTooLarge : Security.SecurityMetrics.InvalidInput);
        httpContext.Response.StatusCode = badRequest.StatusCode;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = badRequest.StatusCode,
                Title = "The request is invalid.",
                Detail = badRequest.Message,
            },
        });
    }
}
