namespace Proxy.Sources;

/// <summary>Where Services, EndpointSlices and the Node come from: manifest files, or the API server.</summary>
public interface IClusterSource
{
    /// <summary>For logs: the directory, or the API server's address.</summary>
    string Description { get; }

    /// <summary>Raised whenever something in the source may have changed.</summary>
    event Action? Changed;

    /// <summary>Starts following the source and completes once it has a first complete view (or is cancelled).</summary>
    Task StartAsync(CancellationToken cancellationToken);

    SourceSnapshot Read();
}
