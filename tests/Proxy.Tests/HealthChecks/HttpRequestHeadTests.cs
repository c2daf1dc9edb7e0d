using System.Text;
using Proxy.HealthChecks;

namespace Proxy.Tests.HealthChecks;

public sealed class HttpRequestHeadTests
{
    [Theory]
    [InlineData("GET /healthz HTTP/1.1\r\nHost: 192.0.2.1:30400\r\n\r\n", "GET")]
    [InlineData("HEAD / HTTP/1.0\r\n\r\n", "HEAD")]
    [InlineData("GET /any/path?x=1 HTTP/1.1\nUser-Agent: ELB-HealthChecker/2.0\n\n", "GET")]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody", "POST")]
    public void ACompleteRequestHeadIsAnsweredWhateverItsPath(string request, string method)
    {
        Assert.Equal(HttpRequestHead.Outcome.Complete, HttpRequestHead.Parse(Encoding.ASCII.GetBytes(request), out var parsed));
        Assert.Equal(method, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n")]
    public void AHeadWithoutItsBlankLineNeedsMoreBytes(string request) =>
        Assert.Equal(HttpRequestHead.Outcome.Incomplete, HttpRequestHead.Parse(Encoding.ASCII.GetBytes(request), out _));

    [Theory]
    [InlineData("GET /\r\n\r\n")]
    [InlineData("GET  / HTTP/1.1\r\n\r\n")]
    [InlineData("GET / HTTP/2.0\r\n\r\n")]
    [InlineData("G(T / HTTP/1.1\r\n\r\n")]
    [InlineData("\u0016\u0003\u0001 TLS hello\r\n\r\n")]
    public void WhatIsNotAnHttp1RequestLineIsMalformed(string request) =>
        Assert.Equal(HttpRequestHead.Outcome.Malformed, HttpRequestHead.Parse(Encoding.Latin1.GetBytes(request), out _));

    [Fact]
    public void AHeadThatDoesNotEndWithinTheLimitIsTooLong()
    {
        var endless = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nX-Padding: " + new string('a', HttpRequestHead.MaxLength));

        Assert.Equal(HttpRequestHead.Outcome.TooLong, HttpRequestHead.Parse(endless.AsSpan(0, HttpRequestHead.MaxLength), out _));
        Assert.Equal(HttpRequestHead.Outcome.Incomplete, HttpRequestHead.Parse(endless.AsSpan(0, HttpRequestHead.MaxLength - 1), out _));
    }
}
