using System.Text;
using Proxy.HealthChecks;

namespace Proxy.Tests.HealthChecks;

public sealed class HealthCheckReplyTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>upstream's body, as its hcHandler prints it (tab-indented, no trailing newline): load balancers and scripts parse it.</summary>
    private const string UpstreamBody = "{\n\t\"service\": {\n\t\t\"namespace\": \"shop\",\n\t\t\"name\": \"web\"\n\t},\n\t\"localEndpoints\": 3,\n\t\"serviceProxyHealthy\": true\n}";

    [Fact]
    public void LocalEndpointsAndAHealthyProxyAnswer200WithUpstreamsBodyAndHeaders()
    {
        var (head, body) = Split(HealthCheckReply.For("shop", "web", 3, proxyHealthy: true, head: false, Now));

        Assert.Equal("HTTP/1.1 200 OK", head[0]);
        Assert.Contains("Content-Type: application/json", head);
        Assert.Contains("X-Content-Type-Options: nosniff", head);
        Assert.Contains("X-Load-Balancing-Endpoint-Weight: 3", head);
        Assert.Contains("Date: Sun, 01 Jun 2025 12:00:00 GMT", head);
        Assert.Contains("Connection: close", head);
        Assert.Contains($"Content-Length: {Encoding.UTF8.GetByteCount(UpstreamBody)}", head);
        Assert.Equal(UpstreamBody, body);
    }

    [Theory]
    [InlineData(0, true, 503, "\"localEndpoints\": 0,\n\t\"serviceProxyHealthy\": true")]
    [InlineData(2, false, 503, "\"localEndpoints\": 2,\n\t\"serviceProxyHealthy\": false")]
    [InlineData(0, false, 503, "\"localEndpoints\": 0,\n\t\"serviceProxyHealthy\": false")]
    [InlineData(1, true, 200, "\"localEndpoints\": 1,\n\t\"serviceProxyHealthy\": true")]
    public void OnlyLocalEndpointsWithAHealthyProxyAre200(int endpoints, bool healthy, int status, string tail)
    {
        var (head, body) = Split(HealthCheckReply.For("default", "lb", endpoints, healthy, head: false, Now));

        Assert.StartsWith($"HTTP/1.1 {status} ", head[0]);
        Assert.Contains($"X-Load-Balancing-Endpoint-Weight: {endpoints}", head);
        Assert.EndsWith(tail + "\n}", body);
    }

    [Fact]
    public void AHeadRequestGetsTheHeadersAndNoBody()
    {
        var full = HealthCheckReply.For("shop", "web", 3, proxyHealthy: true, head: false, Now);
        var headOnly = HealthCheckReply.For("shop", "web", 3, proxyHealthy: true, head: true, Now);

        var (head, body) = Split(headOnly);
        Assert.Equal("", body);
        Assert.Equal(Split(full).Head, head);
        Assert.Equal(Encoding.ASCII.GetString(full).Split("\r\n\r\n")[0] + "\r\n\r\n", Encoding.ASCII.GetString(headOnly));
    }

    [Fact]
    public void ARefusalSaysWhyInPlainText()
    {
        var (head, body) = Split(HealthCheckReply.Refusal(400, Now));

        Assert.Equal("HTTP/1.1 400 Bad Request", head[0]);
        Assert.Contains("Content-Type: text/plain; charset=utf-8", head);
        Assert.Equal("400 Bad Request", body);
    }

    private static (string[] Head, string Body) Split(byte[] response)
    {
        var text = Encoding.UTF8.GetString(response);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (text[..end].Split("\r\n"), text[(end + 4)..]);
    }
}
