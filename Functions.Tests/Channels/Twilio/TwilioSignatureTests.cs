using System.Text;
using Functions.Channels;
using Functions.Channels.Twilio;

namespace Functions.Tests.Channels.Twilio;

/// <summary>
/// <see cref="TwilioSignature"/> against known-good vectors: those of twilio-python's
/// <c>tests/unit/test_request_validator.py</c> and Twilio's documentation example (listed in
/// shared/reference/providers.md §3), and one vector computed independently for this test with
/// Python's hmac/hashlib/base64 (a WhatsApp inbound form with non-ASCII text and a repeated key).
/// </summary>
public sealed class TwilioSignatureTests
{
    private const string DocsToken = "12345";
    private const string DocsUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";

    private static readonly KeyValuePair<string, string>[] MainParams =
    [
        new("CallSid", "CA1234567890ABCDE"), new("Caller", "+14158675309"), new("Digits", "1234"), new("From", "+14158675309"), new("To", "+18005551212"),
    ];

    private static readonly KeyValuePair<string, string>[] DocsParams =
    [
        new("CallSid", "CA1234567890ABCDE"), new("Caller", "+12349013030"), new("Digits", "1234"), new("From", "+12349013030"), new("To", "+18005551212"),
    ];

    // Computed with: python3 -c "import hmac,hashlib,base64; s=url+''.join(k+v for k,v in sorted(params)); print(base64.b64encode(hmac.new(token, s.encode(), hashlib.sha1).digest()))"
    private const string OwnToken = "0123456789abcdef0123456789abcdef";
    private const string OwnUrl = "https://hooks.example.org/twilio/whatsapp?tenant=acme";
    private const string OwnBody = "MessageSid=SM0123456789abcdef0123456789abcdef&From=whatsapp%3A%2B46701234567&To=whatsapp%3A%2B14155238886"
        + "&Body=Hej+d%C3%A5+%F0%9F%91%8B+%26+%3Cb%3E&ProfileName=%C3%85sa&NumMedia=0&X=b&X=a";
    private const string OwnSignature = "nx5F+KD1xJyhbjPw+F35vfW9/kg=";

    private static string FormBody(IEnumerable<KeyValuePair<string, string>> pairs) =>
        string.Join("&", pairs.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));

    private static WebhookRequest Post(string url, string body, string? signature, string header = TwilioSignature.HeaderName, string contentType = "application/x-www-form-urlencoded")
    {
        var headers = new Dictionary<string, string> { ["Content-Type"] = contentType };
        if (signature is not null)
        {
            headers[header] = signature;
        }
        return new WebhookRequest(new Uri(url), "POST", headers, Encoding.UTF8.GetBytes(body));
    }

    [Fact]
    public void TheDocumentationExampleComputes()
    {
        Assert.Equal("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", TwilioSignature.Compute(DocsToken, new Uri(DocsUrl), DocsParams));
    }

    [Fact]
    public void TheSdkVectorComputesWhateverTheParameterOrder()
    {
        Assert.Equal("RSOYDt4T1cUTdK1PDd93/VVr8B8=", TwilioSignature.Compute(DocsToken, new Uri(DocsUrl), MainParams.Reverse()));
    }

    [Fact]
    public void RepeatedKeysAreSortedByValue()
    {
        KeyValuePair<string, string>[] parameters = [new("Sid", "CA123"), new("SidAccount", "AC123"), new("Digits", "5678"), new("Digits", "1234")];

        Assert.Equal("IK+Dwps556ElfBT0I3Rgjkr1wJU=", TwilioSignature.Compute(DocsToken, new Uri(DocsUrl), parameters));
        Assert.True(TwilioSignature.IsValid(DocsToken, Post(DocsUrl, FormBody(parameters), "IK+Dwps556ElfBT0I3Rgjkr1wJU=")));
    }

    [Fact]
    public void TheIndependentVectorComputesAndValidatesFromTheRawBody()
    {
        Assert.Equal(OwnSignature, TwilioSignature.Compute(OwnToken, new Uri(OwnUrl), TwilioForm.Parse(OwnBody)));
        Assert.True(TwilioSignature.IsValid(OwnToken, Post(OwnUrl, OwnBody, OwnSignature)));
    }

    [Fact]
    public void AFormPostWithTheRightSignatureIsValid()
    {
        Assert.True(TwilioSignature.IsValid(DocsToken, Post(DocsUrl, FormBody(DocsParams), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")));
    }

    [Fact]
    public void TheHeaderNameIsCaseInsensitive()
    {
        Assert.True(TwilioSignature.IsValid(DocsToken, Post(DocsUrl, FormBody(DocsParams), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", header: "x-twilio-signature")));
    }

    [Fact]
    public void ATamperedBodyIsInvalid()
    {
        Assert.False(TwilioSignature.IsValid(OwnToken, Post(OwnUrl, OwnBody.Replace("Hej", "Hey", StringComparison.Ordinal), OwnSignature)));
        Assert.False(TwilioSignature.IsValid(OwnToken, Post(OwnUrl, OwnBody + "&Extra=1", OwnSignature)));
        Assert.False(TwilioSignature.IsValid(OwnToken, Post(OwnUrl, OwnBody.Replace("&X=a", "", StringComparison.Ordinal), OwnSignature)));
    }

    [Theory]
    [InlineData("https://hooks.example.org/twilio/whatsapp?tenant=evil")]
    [InlineData("https://hooks.example.org/twilio/whatsapp")]
    [InlineData("http://hooks.example.org/twilio/whatsapp?tenant=acme")]
    [InlineData("https://hooks.example.org/twilio/whatsapp/?tenant=acme")]
    [InlineData("https://evil.example.org/twilio/whatsapp?tenant=acme")]
    public void ATamperedUrlIsInvalid(string url)
    {
        Assert.False(TwilioSignature.IsValid(OwnToken, Post(url, OwnBody, OwnSignature)));
    }

    [Theory]
    [InlineData("nx5F+KD1xJyhbjPw+F35vfW9/kh=")]
    [InlineData("nx5F+KD1xJyhbjPw+F35vfW9/kg")]
    [InlineData("")]
    [InlineData("not base64 at all")]
    public void ATamperedHeaderIsInvalid(string signature)
    {
        Assert.False(TwilioSignature.IsValid(OwnToken, Post(OwnUrl, OwnBody, signature)));
    }

    [Fact]
    public void AMissingHeaderIsInvalid()
    {
        Assert.False(TwilioSignature.IsValid(OwnToken, Post(OwnUrl, OwnBody, signature: null)));
    }

    [Fact]
    public void AnotherAuthTokenIsInvalid()
    {
        Assert.False(TwilioSignature.IsValid("fedcba9876543210fedcba9876543210", Post(OwnUrl, OwnBody, OwnSignature)));
    }

    [Theory]
    [InlineData("https://mycompany.com:443/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")] // we see the port, Twilio signed without it
    [InlineData("https://mycompany.com/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w=")] // Twilio signed with :443, we see none
    [InlineData("https://mycompany.com:443/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w=")]
    [InlineData("http://mycompany.com:80/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4=")]
    [InlineData("http://mycompany.com/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4=")]
    [InlineData("http://mycompany.com:1234/myapp.php?foo=1&bar=2", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=")]
    [InlineData("http://mycompany.com:1234/myapp.php?foo=1&bar=2", "OyGYPqTF6ztdbRNCvuQO/oPvqQ4=")] // port-less signature, computed with Python
    public void TheUrlIsTriedWithAndWithoutItsPort(string url, string signature)
    {
        Assert.True(TwilioSignature.IsValid(DocsToken, Post(url, FormBody(MainParams), signature)));
    }

    [Fact]
    public void ANonDefaultPortIsNotInventedWhenTheUrlHasNone()
    {
        Assert.False(TwilioSignature.IsValid(DocsToken, Post("http://mycompany.com/myapp.php?foo=1&bar=2", FormBody(MainParams), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=")));
    }

    [Fact]
    public void AJsonBodyIsCheckedThroughBodySha256()
    {
        const string body = """{"property": "value", "boolean": true}""";
        const string url = DocsUrl + "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";

        Assert.True(TwilioSignature.IsValid(DocsToken, Post(url, body, "a9nBmqA0ju/hNViExpshrM61xv4=", contentType: "application/json")));
        Assert.False(TwilioSignature.IsValid(DocsToken, Post(url, body.Replace("true", "false", StringComparison.Ordinal), "a9nBmqA0ju/hNViExpshrM61xv4=", contentType: "application/json")));
        Assert.False(TwilioSignature.IsValid(DocsToken, Post(url.Replace("0a1f", "1a1f", StringComparison.Ordinal), body, "a9nBmqA0ju/hNViExpshrM61xv4=", contentType: "application/json")));
    }

    [Fact]
    public void AGetSignsTheUrlWithItsQueryAlone()
    {
        const string url = "https://hooks.example.org/twilio/whatsapp?tenant=acme&MessageSid=SM0123456789abcdef0123456789abcdef&From=whatsapp%3A%2B46701234567";
        var request = new WebhookRequest(new Uri(url), "GET", new Dictionary<string, string> { [TwilioSignature.HeaderName] = "mlg1F/K3xxI/YYlYGrFTR3wyr6E=" }, []);

        Assert.True(TwilioSignature.IsValid(OwnToken, request));
        Assert.False(TwilioSignature.IsValid(OwnToken, request with { PublicUrl = new Uri(url.Replace("acme", "evil", StringComparison.Ordinal)) }));
    }

    [Fact]
    public void TheUrlIsHashedAsGivenNotAsUriNormalisesIt()
    {
        // Uri.AbsoluteUri would drop ":443" and lower-case the host; the signature must see what Twilio called.
        const string url = "https://MyCompany.com:443/myapp.php?foo=1&bar=2";
        var expected = TwilioSignature.Compute(DocsToken, new Uri(url), MainParams);

        Assert.NotEqual(TwilioSignature.Compute(DocsToken, new Uri(DocsUrl), MainParams), expected);
        Assert.True(TwilioSignature.IsValid(DocsToken, Post(url, FormBody(MainParams), expected)));
    }

    [Fact]
    public void UrlVariantsAreTheUrlWithoutAndWithItsPort()
    {
        Assert.Equal(["https://a.example/x?y=1", "https://a.example:443/x?y=1"], TwilioSignature.UrlVariants("https://a.example/x?y=1"));
        Assert.Equal(["http://a.example:8080/x", "http://a.example/x"], TwilioSignature.UrlVariants("http://a.example:8080/x"));
        Assert.Equal(["https://[::1]:8443/x", "https://[::1]/x"], TwilioSignature.UrlVariants("https://[::1]:8443/x"));
        Assert.Equal(["https://a.example", "https://a.example:443"], TwilioSignature.UrlVariants("https://a.example"));
    }
}
