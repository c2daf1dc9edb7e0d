using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Proxy.HealthChecks;

/// <summary>
/// What a health-check node port answers, byte for byte as upstream's hcHandler: on every path and method, 200 when
/// the service has local endpoints and the proxy is healthy, else 503; the endpoint count also in
/// X-Load-Balancing-Endpoint-Weight; the JSON body in upstream's tab-indented layout (load balancer health checks
/// and scripts have been written against it). Pure: the date is given.
/// </summary>
internal static class HealthCheckReply
{
    public static byte[] For(string ns, string name, int localEndpoints, bool proxyHealthy, bool head, DateTimeOffset now)
    {
        var status = localEndpoints != 0 && proxyHealthy ? 200 : 503;
        var body = "{\n"
            + "\t\"service\": {\n"
            + $"\t\t\"namespace\": {Quote(ns)},\n"
            + $"\t\t\"name\": {Quote(name)}\n"
            + "\t},\n"
            + $"\t\"localEndpoints\": {localEndpoints.ToString(CultureInfo.InvariantCulture)},\n"
            + $"\t\"serviceProxyHealthy\": {(proxyHealthy ? "true" : "false")}\n"
            + "}";
        return Render(status, body, head, now, ("Content-Type", "application/json"), ("X-Content-Type-Options", "nosniff"),
            ("X-Load-Balancing-Endpoint-Weight", localEndpoints.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>What Go's server answers a request it cannot parse (or whose head is too long) before any handler runs.</summary>
    public static byte[] Refusal(int status, DateTimeOffset now) =>
        Render(status, $"{status.ToString(CultureInfo.InvariantCulture)} {ReasonPhrase(status)}", head: false, now, ("Content-Type", "text/plain; charset=utf-8"));

    /// <summary>
    /// One response per connection, then close: a health checker needs no keep-alive, and closing is what keeps a
    /// server per service port cheap. A HEAD answer has the headers (Content-Length included) and no body.
    /// </summary>
    private static byte[] Render(int status, string body, bool head, DateTimeOffset now, params (string Name, string Value)[] headers)
    {
        var content = Encoding.UTF8.GetBytes(body);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {ReasonPhrase(status)}\r\n");
        foreach (var (headerName, value) in headers)
        {
            text.Append(CultureInfo.InvariantCulture, $"{headerName}: {value}\r\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"Date: {now.UtcDateTime.ToString("r", CultureInfo.InvariantCulture)}\r\n");
        text.Append(CultureInfo.InvariantCulture, $"Content-Length: {content.Length}\r\n");
        text.Append("Connection: close\r\n\r\n");
        var start = Encoding.ASCII.GetBytes(text.ToString());
        return head ? start : [.. start, .. content];
    }

    /// <summary>A JSON string literal: what Go's %q gives for the DNS labels a namespace and name are.</summary>
    private static string Quote(string value) => JsonSerializer.Serialize(value);

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Unknown",
    };
}
