using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Functions.Conversations;
using Functions.Conversations.Notes;
using Functions.Storage;
using Functions.Tenants;
using Functions.Tests.Outbound;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Conversations.Notes;

/// <summary>
/// Internal notes on a conversation: written by agents and admins, newest first, edited only by
/// their author, never sent to the customer; every route refuses bad input, wrong roles and other
/// tenants with a problem body and leaves the notes as they were.
/// </summary>
public sealed class NoteEndpointsTests(NoteEndpointsTests.DrivenApp driven) : IClassFixture<NoteEndpointsTests.DrivenApp>
{
    public sealed class DrivenApp : IAsyncLifetime
    {
        public SendingApp App { get; private set; } = null!;
        public (HttpClient Client, string KeyId) Agent { get; private set; }
        public (HttpClient Client, string KeyId) OtherAgent { get; private set; }
        public (HttpClient Client, string KeyId) Admin { get; private set; }
        public HttpClient Orders { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await SendingApp.StartAsync(driven: true);
            Agent = await KeyAsync(App, "mt", "agent");
            OtherAgent = await KeyAsync(App, "mt", "agent");
            Admin = await KeyAsync(App, "mt", "admin");
            Orders = await App.ClientAsync("mt", "orders");
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    /// <summary>A client for a new key of <paramref name="role"/>, and the key's id (what a note records as its author).</summary>
    public static async Task<(HttpClient Client, string KeyId)> KeyAsync(SendingApp app, string tenant, string role)
    {
        var created = await (await app.Api.Operator().PostAsJsonAsync($"/api/operator/tenants/{tenant}/keys", new { role }))
            .Content.ReadFromJsonAsync<CreatedApiKey>(TestJson.Options);
        return (app.Api.Client(created!.Key), created.Info.KeyId);
    }

    private readonly SendingApp _app = driven.App;
    private HttpClient Agent => driven.Agent.Client;

    private static int _phones;

    private async Task<Conversation> ConversationAsync(string tenant = "mt") =>
        await _app.CustomerWritesAsync(tenant, $"+4670444{Interlocked.Increment(ref _phones):D4}", _app.Clock!.GetUtcNow());

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<ConversationNote> AddAsync(HttpClient client, string conversationId, string text)
    {
        var response = await client.PostAsJsonAsync($"/api/conversations/{conversationId}/notes", new { text });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var note = (await response.Content.ReadFromJsonAsync<ConversationNote>(TestJson.Options))!;
        Assert.Equal($"/api/conversations/{conversationId}/notes/{note.Id}", response.Headers.Location?.OriginalString);
        return note;
    }

    private async Task<int> StoredNotesAsync(string conversationId, string tenant = "mt") =>
        (await _app.Get<ITableStore>().QueryAllAsync(ConversationNote.Table, new TableQuery(ConversationNote.Partition(tenant, conversationId)))).Count;

    /// <summary>Asserts the status and (but for a 401) a problem body naming <paramref name="field"/>; returns the problem.</summary>
    private static async Task<JsonElement> AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        Assert.Equal(status, response.StatusCode);
        if (status == HttpStatusCode.Unauthorized) return default;
        var problem = await SendingApp.ReadProblemAsync(response);
        if (field is not null) Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"the problem names '{field}': {problem}");
        return problem;
    }

    [Fact]
    public async Task NotesListNewestFirstInPagesWithTheirAuthorAndNeverReachTheCustomer()
    {
        var conversation = await ConversationAsync();
        var first = await AddAsync(Agent, conversation.Id, "Customer called about the invoice.");
        _app.Clock!.Advance(TimeSpan.FromMinutes(1));
        var second = await AddAsync(driven.Admin.Client, conversation.Id, "Refund approved.");
        _app.Clock.Advance(TimeSpan.FromMinutes(1));
        var third = await AddAsync(Agent, conversation.Id, "Waiting for the warehouse.");

        Assert.Equal((driven.Agent.KeyId, "agent"), (first.Author.KeyId, first.Author.Role));
        Assert.Equal((driven.Admin.KeyId, "admin"), (second.Author.KeyId, second.Author.Role));
        Assert.Equal(_app.Clock.GetUtcNow(), third.CreatedAt);
        Assert.Null(third.EditedAt);

        var page = (await Agent.GetFromJsonAsync<NotePage>($"/api/conversations/{conversation.Id}/notes?pageSize=2", TestJson.Options))!;
        Assert.Equal([third.Id, second.Id], page.Items.Select(n => n.Id));
        Assert.NotNull(page.ContinuationToken);
        var next = (await Agent.GetFromJsonAsync<NotePage>(
            $"/api/conversations/{conversation.Id}/notes?pageSize=2&continuationToken={Uri.EscapeDataString(page.ContinuationToken)}", TestJson.Options))!;
        Assert.Equal([first.Id], next.Items.Select(n => n.Id));
        Assert.Null(next.ContinuationToken);
        Assert.Equal("Refund approved.", (await Agent.GetFromJsonAsync<ConversationNote>($"/api/conversations/{conversation.Id}/notes/{second.Id}", TestJson.Options))!.Text);

        // Not a message: the history holds only the customer's, the inbox preview is theirs, nothing went out.
        var messages = await Agent.GetFromJsonAsync<MessagePage>($"/api/conversations/{conversation.Id}/messages", TestJson.Options);
        Assert.Equal([MessageDirection.Inbound], messages!.Items.Select(m => m.Direction));
        var view = await Agent.GetFromJsonAsync<ConversationView>($"/api/conversations/{conversation.Id}", TestJson.Options);
        Assert.Equal("Hi, where is my order?", view!.LastMessagePreview);
        Assert.Equal(0, await _app.RunSendsAsync());
        Assert.Empty(_app.Meta.Requests);
    }

    [Fact]
    public async Task OnlyTheAuthorEditsANote()
    {
        var conversation = await ConversationAsync();
        var note = await AddAsync(Agent, conversation.Id, "Draft");
        _app.Clock!.Advance(TimeSpan.FromSeconds(30));

        var edited = await Agent.PutAsJsonAsync($"/api/conversations/{conversation.Id}/notes/{note.Id}", new { text = "Final" });
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        var read = (await edited.Content.ReadFromJsonAsync<ConversationNote>(TestJson.Options))!;
        Assert.Equal(("Final", _app.Clock.GetUtcNow(), note.CreatedAt, driven.Agent.KeyId), (read.Text, read.EditedAt, read.CreatedAt, read.Author.KeyId));

        foreach (var other in new[] { driven.OtherAgent.Client, driven.Admin.Client })
        {
            var refused = await other.PutAsJsonAsync($"/api/conversations/{conversation.Id}/notes/{note.Id}", new { text = "Hijacked" });
            Assert.Equal("not_note_author", (await AssertRefusedAsync(refused, HttpStatusCode.Forbidden)).GetProperty("code").GetString());
        }
        Assert.Equal("Final", (await Agent.GetFromJsonAsync<ConversationNote>($"/api/conversations/{conversation.Id}/notes/{note.Id}", TestJson.Options))!.Text);
    }

    [Fact]
    public async Task TheAuthorOrAnAdminDeletesANoteAnotherAgentCannot()
    {
        var conversation = await ConversationAsync();
        var mine = await AddAsync(Agent, conversation.Id, "Mine");
        var theirs = await AddAsync(driven.OtherAgent.Client, conversation.Id, "Theirs");

        await AssertRefusedAsync(await Agent.DeleteAsync($"/api/conversations/{conversation.Id}/notes/{theirs.Id}"), HttpStatusCode.Forbidden);
        Assert.Equal(2, await StoredNotesAsync(conversation.Id));

        Assert.Equal(HttpStatusCode.NoContent, (await Agent.DeleteAsync($"/api/conversations/{conversation.Id}/notes/{mine.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await driven.Admin.Client.DeleteAsync($"/api/conversations/{conversation.Id}/notes/{theirs.Id}")).StatusCode);
        await AssertRefusedAsync(await Agent.DeleteAsync($"/api/conversations/{conversation.Id}/notes/{mine.Id}"), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await Agent.GetAsync($"/api/conversations/{conversation.Id}/notes/{theirs.Id}"), HttpStatusCode.NotFound);
        Assert.Equal(0, await StoredNotesAsync(conversation.Id));
    }

    public static TheoryData<string, string, HttpStatusCode, string?> BadNotes => new()
    {
        { "no text", "{}", HttpStatusCode.BadRequest, "text" },
        { "blank text", """{"text":"   "}""", HttpStatusCode.BadRequest, "text" },
        { "text over 5,000 characters", $$"""{"text":"{{new string('n', 5001)}}"}""", HttpStatusCode.BadRequest, "text" },
        { "malformed JSON", """{"text": """, HttpStatusCode.BadRequest, null },
        { "oversized body", $$"""{"text":"{{new string('n', 300_000)}}"}""", HttpStatusCode.RequestEntityTooLarge, null },
    };

    [Theory]
    [MemberData(nameof(BadNotes))]
    public async Task ABadNoteIsRefusedNamingTheFieldAndNothingIsStoredOrChanged(string why, string json, HttpStatusCode status, string? field)
    {
        var conversation = await ConversationAsync();
        var note = await AddAsync(Agent, conversation.Id, "Kept as it is");

        await AssertRefusedAsync(await Agent.PostAsync($"/api/conversations/{conversation.Id}/notes", Json(json)), status, field);
        await AssertRefusedAsync(await Agent.PutAsync($"/api/conversations/{conversation.Id}/notes/{note.Id}", Json(json)), status, field);

        Assert.True(await StoredNotesAsync(conversation.Id) == 1, why);
        Assert.Equal("Kept as it is", (await Agent.GetFromJsonAsync<ConversationNote>($"/api/conversations/{conversation.Id}/notes/{note.Id}", TestJson.Options))!.Text);
    }

    [Theory]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("continuationToken=not-a-token", "continuationToken")]
    public async Task BadPagingIsRefusedNamingTheParameter(string query, string field)
    {
        var conversation = await ConversationAsync();
        await AddAsync(Agent, conversation.Id, "One");
        await AssertRefusedAsync(await Agent.GetAsync($"/api/conversations/{conversation.Id}/notes?{query}"), HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task EveryRouteNeedsAnAgentOrAdminKey()
    {
        var conversation = await ConversationAsync();
        var note = await AddAsync(Agent, conversation.Id, "Private");
        var anonymous = _app.Api.Client(null);
        var body = """{"text":"x"}""";
        foreach (var (client, status) in new[] { (anonymous, HttpStatusCode.Unauthorized), (driven.Orders, HttpStatusCode.Forbidden), (_app.Api.Operator(), HttpStatusCode.Forbidden) })
        {
            await AssertRefusedAsync(await client.PostAsync($"/api/conversations/{conversation.Id}/notes", Json(body)), status);
            await AssertRefusedAsync(await client.GetAsync($"/api/conversations/{conversation.Id}/notes"), status);
            await AssertRefusedAsync(await client.GetAsync($"/api/conversations/{conversation.Id}/notes/{note.Id}"), status);
            await AssertRefusedAsync(await client.PutAsync($"/api/conversations/{conversation.Id}/notes/{note.Id}", Json(body)), status);
            await AssertRefusedAsync(await client.DeleteAsync($"/api/conversations/{conversation.Id}/notes/{note.Id}"), status);
        }
        Assert.Equal(1, await StoredNotesAsync(conversation.Id));
        Assert.Equal("Private", (await Agent.GetFromJsonAsync<ConversationNote>($"/api/conversations/{conversation.Id}/notes/{note.Id}", TestJson.Options))!.Text);
    }

    [Fact]
    public async Task AnotherTenantsConversationAndNotesAreNotFound()
    {
        var conversation = await ConversationAsync();
        var note = await AddAsync(Agent, conversation.Id, "Only for mt");
        var own = await ConversationAsync("sb");
        var sandbox = _app.SandboxAdmin;
        var body = """{"text":"x"}""";

        await AssertRefusedAsync(await sandbox.PostAsync($"/api/conversations/{conversation.Id}/notes", Json(body)), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await sandbox.GetAsync($"/api/conversations/{conversation.Id}/notes"), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await sandbox.GetAsync($"/api/conversations/{conversation.Id}/notes/{note.Id}"), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await sandbox.PutAsync($"/api/conversations/{conversation.Id}/notes/{note.Id}", Json(body)), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await sandbox.DeleteAsync($"/api/conversations/{conversation.Id}/notes/{note.Id}"), HttpStatusCode.NotFound);
        // Its own conversation does not reach the other tenant's note either.
        await AssertRefusedAsync(await sandbox.GetAsync($"/api/conversations/{own.Id}/notes/{note.Id}"), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await sandbox.DeleteAsync($"/api/conversations/{own.Id}/notes/{note.Id}"), HttpStatusCode.NotFound);
        // A conversation that does not exist, and a malformed id.
        await AssertRefusedAsync(await Agent.PostAsync("/api/conversations/cv0000000000000000000/notes", Json(body)), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await Agent.GetAsync("/api/conversations/nope/notes"), HttpStatusCode.NotFound);

        Assert.Equal(1, await StoredNotesAsync(conversation.Id));
        Assert.Equal(0, await StoredNotesAsync(own.Id, "sb"));
        Assert.Equal("Only for mt", (await Agent.GetFromJsonAsync<ConversationNote>($"/api/conversations/{conversation.Id}/notes/{note.Id}", TestJson.Options))!.Text);
    }
}
