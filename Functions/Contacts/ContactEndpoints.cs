using System.Security.Claims;
using System.Text.RegularExpressions;
using Functions.Channels;
using Functions.Conversations;
using Functions.Hosting;
using Functions.Storage;
using Functions.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Functions.Contacts;

/// <summary>Contacts for inbox front ends and admins: create or update, read, list, erase, and consent with its history.</summary>
public static partial class ContactEndpoints
{
    public static IHostApplicationBuilder AddContacts(this IHostApplicationBuilder builder)
    {
        builder.GetStorageLayout().AddTables(Contact.Table);
        builder.Services.AddSingleton<ContactBook>();
        builder.GetFunctionCatalog()
            .AddHttp("UpsertContact", "POST", "contacts", UpsertContactAsync, TenantAccess.AdminOrAgent)
            .AddHttp("ListContacts", "GET", "contacts", ListContactsAsync, TenantAccess.AdminOrAgent)
            .AddHttp("GetContact", "GET", "contacts/{phone}", GetContactAsync, TenantAccess.AdminOrAgent)
            .AddHttp("UpdateContact", "PATCH", "contacts/{phone}", UpdateContactAsync, TenantAccess.AdminOrAgent)
            .AddHttp("EraseContact", "DELETE", "contacts/{phone}", EraseContactAsync, TenantAccess.Admin)
            .AddHttp("RecordConsent", "POST", "contacts/{phone}/consent", RecordConsentAsync, TenantAccess.AdminOrAgent)
            .AddHttp("GetConsentHistory", "GET", "contacts/{phone}/consent", GetConsentHistoryAsync, TenantAccess.AdminOrAgent);
        return builder;
    }

    /// <summary>What the contact endpoints need, bundled to keep signatures short.</summary>
    public sealed record ContactServices(ClaimsPrincipal User, TenantDirectory Tenants, ContactBook Contacts, ConversationStore Conversations, TimeProvider Time);

    public static async Task<Results<Created<Contact>, Ok<Contact>, ValidationProblem>> UpsertContactAsync(
        ContactRequest request, [AsParameters] ContactServices s, CancellationToken cancellationToken)
    {
        var (phone, errors) = await NormalizeAsync(request.Phone, s, cancellationToken);
        Validate(request.Name, request.Language, request.Attributes, errors);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The contact is not valid.");

        var (contact, created) = await s.Contacts.UpsertAsync(s.User.TenantId(), phone!, c => Apply(c, request, errors), cancellationToken);
        if (contact is null) return TypedResults.ValidationProblem(errors, title: "The contact is not valid.");
        if (request.Name is not null) await ShowNameInInboxAsync(contact, s, cancellationToken);
        return created ? TypedResults.Created($"/api/contacts/{Uri.EscapeDataString(contact.Phone)}", contact) : TypedResults.Ok(contact);
    }

    public static async Task<Results<Ok<ContactPage>, ValidationProblem>> ListContactsAsync(
        [AsParameters] ContactServices s, CancellationToken cancellationToken, int? pageSize = null, string? continuationToken = null)
    {
        if (pageSize is < 1 or > 200 || continuationToken?.Length > 2000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageSize"] = ["Page size is 1 to 200; pass back the continuationToken you were given."] });
        }
        try
        {
            var (contacts, next) = await s.Contacts.ListAsync(s.User.TenantId(), pageSize ?? 50, continuationToken, cancellationToken);
            return TypedResults.Ok(new ContactPage(contacts, next));
        }
        catch (ArgumentException)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuationToken"] = ["The continuation token is not one this API gave."] });
        }
    }

    public static async Task<Results<Ok<Contact>, ValidationProblem, ProblemHttpResult>> GetContactAsync(
        string phone, [AsParameters] ContactServices s, CancellationToken cancellationToken)
    {
        var (normalized, errors) = await NormalizeAsync(phone, s, cancellationToken);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        return await s.Contacts.FindAsync(s.User.TenantId(), normalized!, cancellationToken) is { } contact ? TypedResults.Ok(contact) : NotFound();
    }

    public static async Task<Results<Ok<Contact>, ValidationProblem, ProblemHttpResult>> UpdateContactAsync(
        string phone, ContactRequest request, [AsParameters] ContactServices s, CancellationToken cancellationToken)
    {
        var (normalized, errors) = await NormalizeAsync(phone, s, cancellationToken);
        Validate(request.Name, request.Language, request.Attributes, errors);
        if (request.Phone is not null) errors["phone"] = ["The phone number is the contact's identity: it cannot be changed."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The change is not valid.");
        // Never recreates: a contact erased meanwhile stays erased.
        var (contact, _) = await s.Contacts.UpsertAsync(s.User.TenantId(), normalized!, c => Apply(c, request, errors), cancellationToken, createIfMissing: false);
        if (contact is not null && request.Name is not null) await ShowNameInInboxAsync(contact, s, cancellationToken);
        return contact is not null ? TypedResults.Ok(contact)
            : errors.Count > 0 ? TypedResults.ValidationProblem(errors, title: "The change is not valid.")
            : NotFound();
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> EraseContactAsync(
        string phone, [AsParameters] ContactServices s, CancellationToken cancellationToken)
    {
        var (normalized, errors) = await NormalizeAsync(phone, s, cancellationToken);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        return await s.Contacts.EraseAsync(s.User.TenantId(), normalized!, cancellationToken) ? TypedResults.NoContent() : NotFound();
    }

    public static async Task<Results<Ok<Contact>, ValidationProblem>> RecordConsentAsync(
        string phone, ConsentRequest request, [AsParameters] ContactServices s, CancellationToken cancellationToken)
    {
        var (normalized, errors) = await NormalizeAsync(phone, s, cancellationToken);
        var purpose = request.Purpose?.ToLowerInvariant() switch
        {
            "marketing" => ConsentPurpose.Marketing,
            "utility" => ConsentPurpose.Utility,
            _ => (ConsentPurpose?)null,
        };
        if (purpose is null) errors["purpose"] = ["The purpose is marketing or utility."];
        var state = request.State?.ToLowerInvariant() switch
        {
            "opted-in" or "optedin" => ConsentState.OptedIn,
            "opted-out" or "optedout" => ConsentState.OptedOut,
            _ => (ConsentState?)null,
        };
        if (state is null) errors["state"] = ["The state is opted-in or opted-out."];
        if (request.Evidence?.Length > 500) errors["evidence"] = ["The evidence is at most 500 characters."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The consent is not valid.");

        // The API caller's key is part of the evidence: who said so, besides what they said.
        var keyId = s.User.FindFirstValue(ClaimTypes.NameIdentifier);
        var evidence = $"key {keyId}" + (string.IsNullOrWhiteSpace(request.Evidence) ? "" : ": " + request.Evidence.Trim());
        var record = new ConsentRecord(purpose!.Value, state!.Value, ConsentRecord.Sources.Api, evidence, s.Time.GetUtcNow());
        return TypedResults.Ok(await s.Contacts.RecordConsentAsync(s.User.TenantId(), normalized!, record, cancellationToken));
    }

    public static async Task<Results<Ok<IReadOnlyList<ConsentRecord>>, ValidationProblem>> GetConsentHistoryAsync(
        string phone, [AsParameters] ContactServices s, CancellationToken cancellationToken)
    {
        var (normalized, errors) = await NormalizeAsync(phone, s, cancellationToken);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(await s.Contacts.ConsentHistoryAsync(s.User.TenantId(), normalized!, cancellationToken));
    }

    /// <summary>The change applied, or null (with the reason in <paramref name="errors"/>) when the merged attributes are over the limits.</summary>
    private static Contact? Apply(Contact contact, ContactRequest request, Dictionary<string, string[]> errors)
    {
        var attributes = new Dictionary<string, string>(contact.Attributes);
        foreach (var (key, value) in request.Attributes ?? new Dictionary<string, string?>())
        {
            if (value is null) attributes.Remove(key);
            else attributes[key] = value;
        }
        if (attributes.Count > Contact.MaxAttributes)
        {
            errors["attributes"] = [$"A contact has at most {Contact.MaxAttributes} attributes; with these it would have {attributes.Count}."];
            return null;
        }
        if (System.Text.Json.JsonSerializer.Serialize(attributes).Length > Contact.MaxAttributesJson)
        {
            errors["attributes"] = ["The contact's attributes together are too large; store less in them."];
            return null;
        }
        return contact with
        {
            Name = request.Name is null ? contact.Name : Blank(request.Name),
            Language = request.Language is null ? contact.Language : Blank(request.Language),
            Attributes = attributes,
        };
    }

    private static async Task<(string? Phone, Dictionary<string, string[]> Errors)> NormalizeAsync(string? phone, ContactServices s, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (phone is null)
        {
            errors["phone"] = ["The phone number is required."];
            return (null, errors);
        }
        var tenant = await s.Tenants.FindAsync(s.User.TenantId(), cancellationToken);
        if (!PhoneNumbers.TryNormalize(phone, tenant?.DefaultCountryCode, out var e164, out var error))
        {
            errors["phone"] = [error];
            return (null, errors);
        }
        return (e164, errors);
    }

    private static void Validate(string? name, string? language, IReadOnlyDictionary<string, string?>? attributes, Dictionary<string, string[]> errors)
    {
        if (name?.Length > 200) errors["name"] = ["The name is at most 200 characters."];
        if (language is { Length: > 0 } && !TenantValidation.IsLanguageCode(language)) errors["language"] = ["The language is a WhatsApp language code such as en, en_US, sv or zh_HK."];
        if (attributes is null) return;
        if (attributes.Count > Contact.MaxAttributes) errors["attributes"] = [$"At most {Contact.MaxAttributes} attributes."];
        foreach (var (key, value) in attributes)
        {
            if (!AttributeKeyPattern().IsMatch(key)) errors[$"attributes.{Truncate(key)}"] = [$"An attribute name is 1 to {Contact.MaxAttributeKey} letters, digits, '_', '-' or '.'."];
            else if (value?.Length > Contact.MaxAttributeValue) errors[$"attributes.{key}"] = [$"An attribute value is at most {Contact.MaxAttributeValue} characters."];
        }
    }

    /// <summary>Agents find the customer under the name the business gave (the list and its search show the conversation's copy).</summary>
    private static async Task ShowNameInInboxAsync(Contact contact, ContactServices s, CancellationToken cancellationToken)
    {
        if (await s.Tenants.FindAsync(s.User.TenantId(), cancellationToken) is { } tenant)
        {
            await s.Conversations.RenameContactAsync(tenant.Id, ProviderAccounts.SenderId(tenant.Provider), contact.Phone, contact.Name ?? contact.ProfileName, cancellationToken);
        }
    }

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such contact.", detail: "This tenant has no contact with that phone number.");

    private static string? Blank(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Truncate(string value) => value.Length > 40 ? value[..40] + "…" : value;

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex AttributeKeyPattern();
}

/// <summary>A contact to create or change: attributes given with a null value are removed.</summary>
public sealed record ContactRequest(string? Phone, string? Name, string? Language, IReadOnlyDictionary<string, string?>? Attributes);

public sealed record ConsentRequest(string? Purpose, string? State, string? Evidence);

public sealed record ContactPage(IReadOnlyList<Contact> Items, string? ContinuationToken);
