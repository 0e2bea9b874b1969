namespace SsePluginHost.Channels;

/// <summary>What publishing an event to a channel gave.</summary>
/// <param name="Id">The event's id.</param>
/// <param name="Delivered">How many subscribers of this host took it.</param>
internal readonly record struct PublishReceipt(string Id, int Delivered);
