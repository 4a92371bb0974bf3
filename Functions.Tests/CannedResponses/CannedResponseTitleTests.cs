using System.Net;
using System.Net.Http.Json;
using Functions.CannedResponses;
using Functions.Storage;
using Functions.Tests.Conversations.Notes;
using Functions.Tests.Outbound;

namespace Functions.Tests.CannedResponses;

/// <summary>A canned response's title is one line for a picker: control characters are refused, as in tag and agent names.</summary>
public sealed class CannedResponseTitleTests(NoteEndpointsTests.DrivenApp driven) : IClassFixture<NoteEndpointsTests.DrivenApp>
{
    private readonly SendingApp _app = driven.App;

    [Theory]
    [InlineData("/ctl-nul", "Thanks\u0000")]
    [InlineData("/ctl-crlf", "Thanks\r\nInjected")]
    public async Task ATitleWithControlCharactersIsRefusedNamingTitle(string shortcut, string title)
    {
        var response = await driven.Admin.Client.PostAsJsonAsync("/api/canned-responses", new { shortcut, title, text = "Thanks!" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await SendingApp.ReadProblemAsync(response)).GetProperty("errors").TryGetProperty("title", out _));
        Assert.Empty(await _app.Get<ITableStore>().QueryAllAsync(CannedResponse.Table, TableQuery.WithRowKeyPrefix("mt", CannedResponse.RowKey(shortcut))));
    }
}
