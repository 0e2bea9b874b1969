using SsePluginHost.Admission;

namespace SsePluginHost.Endpoints;

/// <summary>Keeps a mount at <c>/</c> from taking the host's own paths under <c>/_host</c>.</summary>
internal sealed class NotReservedConstraint : IRouteConstraint
{
    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection)
    {
        string path = httpContext?.Request.Path.Value ?? "/" + (values.TryGetValue(routeKey, out object? value) ? value as string : null);
        return !MountAdmission.IsReserved(path);
    }
}
