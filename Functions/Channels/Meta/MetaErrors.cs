namespace Functions.Channels.Meta;

/// <summary>
/// What a Cloud API (Graph) error code means for us. Meta recommends acting on <c>code</c> (and
/// reading <c>error_data.details</c>), not on titles, subcodes or the HTTP status; the status is
/// only the fallback for codes this table does not know. Sources: Meta's "Error codes" page
/// (developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes) and
/// the project's fact sheet (providers.md §7).
/// </summary>
public static class MetaErrors
{
    /// <summary>Classifies a Graph error <paramref name="code"/>; <paramref name="httpStatus"/> is 0 when there was none (webhooks).</summary>
    public static FailureReason Classify(int code, int httpStatus) =>
        ByCode(code) ?? ByHttpStatus(httpStatus);

    internal static FailureReason ByHttpStatus(int httpStatus) => httpStatus switch
    {
        429 => FailureReason.RateLimited,
        401 or 403 => FailureReason.Unauthorized,
        >= 500 and <= 599 => FailureReason.ProviderUnavailable,
        _ => FailureReason.Other,
    };

    private static FailureReason? ByCode(int code) => code switch
    {
        // 131047 Re-engagement message: more than 24 hours since the customer last wrote; only a template may be sent.
        131047 => FailureReason.OutsideCareWindow,

        // 4 API Too Many Calls: the app's Graph call rate limit.
        // 80007 Rate limit issues: the WhatsApp Business Account's rate limit.
        // 130429 Rate limit hit: Cloud API throughput (messages per second) for the number.
        // 131048 Spam rate limit hit: sending restricted because earlier messages were blocked or flagged.
        // 131049 Healthy ecosystem engagement: Meta's per-user marketing cap; retry only after a long delay.
        // 131056 (Business account, consumer account) pair rate limit: too many messages to this one customer.
        // 80008 Too many calls to this WhatsApp Business Account (the template node's rate limit, per the
        //       Graph reference for WhatsAppBusinessHSM); template creation is capped at 100 per WABA per hour.
        4 or 80007 or 80008 or 130429 or 131048 or 131049 or 131056 => FailureReason.RateLimited,

        // 131021 Recipient cannot be sender: a message to the business's own number.
        // 131026 Message undeliverable: not on WhatsApp, has not accepted the terms, too old an app,
        //        or (per Meta) a hidden marketing limit; never say which to the product.
        // 131030 Recipient phone number not in allowed list: a test (development) number may only
        //        message numbers added to its allowed list.
        131021 or 131026 or 131030 => FailureReason.InvalidRecipient,

        // 131050 The customer chose to stop receiving marketing messages from this business.
        131050 => FailureReason.RecipientOptedOut,

        // 132000 Template parameter count mismatch; 132001 template (name, language) does not exist;
        // 132005 hydrated text too long; 132007 format character policy violated; 132012 parameter
        // format mismatch; 132015 template paused (low quality); 132016 template disabled; and the
        // rest of 132000–132016. 132068 Flow is blocked; 132069 Flow is throttled.
        >= 132000 and <= 132016 or 132068 or 132069 => FailureReason.TemplateProblem,

        // 0 AuthException; 3 capability or permission issue; 10 permission denied; 190 access token
        // expired or invalid; 200–299 API permission not granted or removed; 131005 access denied.
        // 368 WABA temporarily blocked for policy violations; 130497 WABA restricted from messaging
        // users in this country; 131031 business account locked. None is fixed by retrying.
        0 or 3 or 10 or 190 or >= 200 and <= 299 or 131005 or 368 or 130497 or 131031 => FailureReason.Unauthorized,

        // 100 Invalid parameter (unsupported or misspelled); 33 parameter value not valid (the
        // business number was deleted); 131008 required parameter missing; 131009 parameter value
        // not valid (also a mark-as-read of an unknown message id); 131051 unsupported message type;
        // 131052 media download error (Meta could not fetch our link); 131053 media upload error.
        100 or 33 or 131008 or 131009 or 131051 or 131052 or 131053 => FailureReason.InvalidRequest,

        // 1 API Unknown (invalid request or possible server error); 2 API Service (downtime or
        // overload); 131000 something went wrong; 131016 service unavailable; 131057 account in
        // maintenance mode; 133004 server temporarily unavailable.
        1 or 2 or 131000 or 131016 or 131057 or 133004 => FailureReason.ProviderUnavailable,

        _ => null,
    };
}
