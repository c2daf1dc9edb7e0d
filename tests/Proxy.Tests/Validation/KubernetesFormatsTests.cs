using Proxy.Validation;

namespace Proxy.Tests.Validation;

public class KubernetesFormatsTests
{
    private static readonly string Long63 = new('a', 63);
    private static readonly string Long64 = new('a', 64);

    [Theory]
    [InlineData("web", true)]
    [InlineData("a", true)]
    [InlineData("1web", true)]
    [InlineData("web-1", true)]
    [InlineData("", false)]
    [InlineData("Web", false)]
    [InlineData("-web", false)]
    [InlineData("web-", false)]
    [InlineData("web.a", false)]
    [InlineData("web\n", false)] // a regular expression's $ would take it
    [InlineData("web\n-A KUBE-SERVICES", false)]
    [InlineData("wéb", false)]
    [InlineData("web_1", false)]
    public void Dns1123Labels(string value, bool valid) => Assert.Equal(valid, KubernetesFormats.Dns1123Label(value) is null);

    [Fact]
    public void LabelsHoldAtMost63Characters()
    {
        Assert.Null(KubernetesFormats.Dns1123Label(Long63));
        Assert.NotNull(KubernetesFormats.Dns1123Label(Long64));
        Assert.Null(KubernetesFormats.Dns1035Label(Long63));
        Assert.NotNull(KubernetesFormats.Dns1035Label(Long64));
        Assert.Null(KubernetesFormats.LabelValue(Long63));
        Assert.NotNull(KubernetesFormats.LabelValue(Long64));
    }

    [Theory]
    [InlineData("web", true)]
    [InlineData("w1-2", true)]
    [InlineData("1web", false)]
    [InlineData("web-", false)]
    [InlineData("", false)]
    [InlineData("web\r", false)]
    public void Dns1035Labels(string value, bool valid) => Assert.Equal(valid, KubernetesFormats.Dns1035Label(value) is null);

    [Theory]
    [InlineData("web-abc12", true)]
    [InlineData("web.default.svc", true)]
    [InlineData("1.2", true)]
    [InlineData("web..a", false)]
    [InlineData(".web", false)]
    [InlineData("web.", false)]
    [InlineData("web.-a", false)]
    [InlineData("Web.a", false)]
    [InlineData("", false)]
    [InlineData("a\u0000b", false)]
    public void Dns1123Subdomains(string value, bool valid) => Assert.Equal(valid, KubernetesFormats.Dns1123Subdomain(value) is null);

    [Fact]
    public void SubdomainsHoldAtMost253Characters()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 62), 4)); // 251
        Assert.Null(KubernetesFormats.Dns1123Subdomain(name + ".b"));
        Assert.NotNull(KubernetesFormats.Dns1123Subdomain(name + ".bc"));
    }

    [Theory]
    [InlineData("http", true)]
    [InlineData("h2c", true)]
    [InlineData("dns-tcp", true)]
    [InlineData("a23456789012345", true)]
    [InlineData("a234567890123456", false)] // 16 characters
    [InlineData("8080", false)] // at least one letter
    [InlineData("dns--tcp", false)]
    [InlineData("-dns", false)]
    [InlineData("dns-", false)]
    [InlineData("HTTP", false)]
    [InlineData("ht\"tp", false)]
    [InlineData("", false)]
    public void IanaServiceNames(string value, bool valid) => Assert.Equal(valid, KubernetesFormats.IanaServiceName(value) is null);

    [Theory]
    [InlineData("", true)]
    [InlineData("web", true)]
    [InlineData("My_Service.v1-2", true)]
    [InlineData("_web", false)]
    [InlineData("web.", false)]
    [InlineData("a b", false)]
    [InlineData("web\n", false)]
    [InlineData("web/x", false)]
    public void LabelValues(string value, bool valid) => Assert.Equal(valid, KubernetesFormats.LabelValue(value) is null);
}
