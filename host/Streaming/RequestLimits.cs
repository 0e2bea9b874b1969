using Microsoft.AspNetCore.Http.Features;

namespace SsePluginHost.Streaming;

/// <summary>Request checks shared by the mounts and the publish API.</summary>
internal static class RequestLimits
{
    /// <summary>
    /// Refuses a declared body over the limit at once (413) and makes Kestrel refuse a chunked one
    /// that grows past it while it is read.
    /// </summary>
    /// <exception cref="BadHttpRequestException">The declared body is over the limit.</exception>
    public static void ApplyBodyLimit(HttpRequest request, int maxBodyBytes, string receiver)
    {
        if (request.ContentLength > maxBodyBytes)
        {
            throw new BadHttpRequestException(
                $"The request body is {request.ContentLength} bytes; {receiver} accepts at most {maxBodyBytes}.",
                StatusCodes.Status413PayloadTooLarge);
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = maxBodyBytes;
        }
    }
}
