using Microsoft.Extensions.Options;
using SsePluginHost.Abstractions;
using SsePluginHost.Admission;
using SsePluginHost.Configuration;
using SsePluginHost.Streaming;

namespace SsePluginHost.Endpoints;

/// <summary>
/// What every mount endpoint runs: admission decides, then the request goes to the mount's
/// plugin (the original's <c>parse</c>), which opens a stream or answers.
/// </summary>
internal sealed class MountEndpointHandler
{
    private readonly MountAdmission _admission;
    private readonly MountDispatcher _dispatcher;
    private readonly int _maxBodyBytes;

    public MountEndpointHandler(MountAdmission admission, MountDispatcher dispatcher, IOptions<SseHostOptions> options)
    {
        _admission = admission;
        _dispatcher = dispatcher;
        _maxBodyBytes = options.Value.Streams.MaxRequestBodyBytes;
    }

    public async Task HandleAsync(HttpContext context)
    {
        HttpStreamExchange exchange = new(context);
        AdmissionDecision? decision = await _admission.AdmitAsync(new HttpAdmissionRequest(context.Request)).ConfigureAwait(false);
        if (decision.Outcome is not (AdmissionOutcome.Stream or AdmissionOutcome.Request))
        {
            await AdmissionResponses.WriteAsync(exchange, decision, context.Request.Path.Value ?? "/").ConfigureAwait(false);
            return;
        }

        AdmissionResponses.AddHeaders(exchange, decision);
        AdmissionHold hold = decision.Hold;
        try
        {
            SseRequest request;
            try
            {
                request = await SseRequestReader.ReadAsync(context, decision.Mount!.Path, decision.SubPath, _maxBodyBytes, decision.Credentials).ConfigureAwait(false);
            }
            catch (BadHttpRequestException ex)
            {
                await MountDispatcher.WriteErrorAsync(exchange, ex.StatusCode, ex.Message).ConfigureAwait(false);
                return;
            }

            if (decision.Mount.Service is not { } service)
            {
                // Unloaded since admission (a reload replaced it): as admission would say now.
                await AdmissionResponses.WriteAsync(exchange, AdmissionDecision.Unavailable(decision.Mount, decision.SubPath), context.Request.Path.Value ?? "/")
                    .ConfigureAwait(false);
                return;
            }

            Task dispatched = _dispatcher.DispatchAsync(exchange, decision.Mount, service, request, decision.HoldsSlot, decision.Credentials);
            decision = null; // not kept for the life of a stream (with its credentials); the hold is enough
            await dispatched.ConfigureAwait(false);
        }
        finally
        {
            hold.Release();
        }
    }
}
