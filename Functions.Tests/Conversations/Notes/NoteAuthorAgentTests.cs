using System.Net;
using System.Net.Http.Json;
using Functions.Conversations;
using Functions.Conversations.Notes;
using Functions.Tenants;
using Functions.Tests.Outbound;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Conversations.Notes;

/// <summary>
/// A note written with a key bound to an inbox agent belongs to that agent: it names the agent,
/// and the agent's next key (keys are rotated by creating a new one) still edits and deletes it.
/// </summary>
public sealed class NoteAuthorAgentTests(NoteEndpointsTests.DrivenApp driven) : IClassFixture<NoteEndpointsTests.DrivenApp>
{
    private readonly SendingApp _app = driven.App;

    private async Task<HttpClient> AgentKeyAsync(string agentId)
    {
        var created = await driven.Admin.Client.PostAsJsonAsync("/api/keys", new { role = "agent", agentId });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return _app.Api.Client((await created.Content.ReadFromJsonAsync<CreatedApiKey>(TestJson.Options))!.Key);
    }

    private async Task<InboxAgent> AgentAsync(string name) =>
        (await (await driven.Admin.Client.PostAsJsonAsync("/api/agents", new { name })).Content.ReadFromJsonAsync<InboxAgent>(TestJson.Options))!;

    [Fact]
    public async Task TheAgentsNextKeyEditsAndDeletesTheirNoteAnotherAgentsKeyCannot()
    {
        var ann = await AgentAsync("Ann");
        var ben = await AgentAsync("Ben");
        var annsOldKey = await AgentKeyAsync(ann.Id);
        var annsNewKey = await AgentKeyAsync(ann.Id);
        var bensKey = await AgentKeyAsync(ben.Id);
        var conversation = await _app.CustomerWritesAsync("mt", "+46704449901", _app.Clock!.GetUtcNow());

        var added = await annsOldKey.PostAsJsonAsync($"/api/conversations/{conversation.Id}/notes", new { text = "Called back" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var note = (await added.Content.ReadFromJsonAsync<ConversationNote>(TestJson.Options))!;
        Assert.Equal(ann.Id, note.Author.AgentId);

        Assert.Equal(HttpStatusCode.Forbidden, (await bensKey.PutAsJsonAsync($"/api/conversations/{conversation.Id}/notes/{note.Id}", new { text = "Mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bensKey.DeleteAsync($"/api/conversations/{conversation.Id}/notes/{note.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await driven.OtherAgent.Client.PutAsJsonAsync($"/api/conversations/{conversation.Id}/notes/{note.Id}", new { text = "Unbound" })).StatusCode);

        var edited = await annsNewKey.PutAsJsonAsync($"/api/conversations/{conversation.Id}/notes/{note.Id}", new { text = "Called back twice" });
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        Assert.Equal(("Called back twice", ann.Id), ((await edited.Content.ReadFromJsonAsync<ConversationNote>(TestJson.Options))!.Text, note.Author.AgentId));
        Assert.Equal(HttpStatusCode.NoContent, (await annsNewKey.DeleteAsync($"/api/conversations/{conversation.Id}/notes/{note.Id}")).StatusCode);
    }
}
