using FoodOrdering.Domain.Security;
using FoodOrdering.Host.Food;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FoodOrdering.Host.Security;

/// <summary>Who a driver endpoint's caller is: the driver of the current shift (by its token), the operator, or nobody.</summary>
public sealed class Authority(IHttpContextAccessor accessor, HostSecrets secrets)
{
    private HttpContext Context => accessor.HttpContext ?? throw new InvalidOperationException("Authority is used outside a request.");

    /// <summary>The caller's token when it is <paramref name="driver"/>'s for the shift the twin is on, else null.</summary>
    public string? DriverToken(DriverView driver)
    {
        var token = Context.Request.BearerToken();
        var shift = secrets.Tokens.DriverShift(driver.DriverId, token);
        // A token of an earlier shift is void; until the twin has recorded the new shift, the token's own check stands.
        return shift is not null && (driver.State.ShiftId is null || driver.State.ShiftId == shift) ? token : null;
    }

    public bool MayActFor(DriverView driver) => DriverToken(driver) is not null || Context.Request.IsOperator(secrets);

    public ProblemHttpResult Refuse() => Credentials.Unauthorized(Context, "the token of this driver's current shift (returned by POST /api/drivers/{id}/shift) or the operator token");
}
