using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FoodOrdering.Browser.Tests;

/// <summary>The web UI in headless Chromium against the real host and simulated drivers: shop, tracking, kitchen display, run inspector, the other pages.</summary>
public sealed partial class WebUiTests(BrowserHost host) : IClassFixture<BrowserHost>
{
    // Kafka intake (a consumer group still settling right after the host starts), payment and the workflow's first
    // steps can take a while on a busy 2-core machine running the other test projects at the same time.
    private static readonly LocatorAssertionsToHaveAttributeOptions Slow = new() { Timeout = 60_000 };

    /// <summary>A drive across San Jose at the simulator's top speed is two simulated minutes at most, 12 s here; the rest is a hang guard.</summary>
    private static readonly LocatorAssertionsToHaveAttributeOptions Delivery = new() { Timeout = 120_000 };

    [Fact]
    public async Task Order_PlacedInTheShop_IsPreparedInTheKitchenDeliveredBySimulatedDriversAndInspectable()
    {
        var page = await host.NewPageAsync();

        // The shop: Bites 'n Bytes is the first restaurant. 50 sushi boxes, pizzas and chicken wings (the cart's most)
        // keep a cook busy for 12.5 simulated minutes (75 s here), so the kitchen display's button is what finishes the order.
        await page.GotoAsync("/");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Menu of Bites 'n Bytes" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add Sushi box to the cart" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add Pepperoni pizza to the cart" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add Chicken wings to the cart" }).ClickAsync();
        await Expect(page.GetByTestId("subtotal")).ToHaveTextAsync("$31.90");
        await BrowserHost.ScreenshotAsync(page, "1-shop");
        foreach (var product in new[] { "Sushi box", "Pepperoni pizza", "Chicken wings" })
        {
            await page.GetByLabel($"Quantity of {product}").FillAsync("50");
        }
        await Expect(page.GetByTestId("subtotal")).ToHaveTextAsync("$1595.00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Order for $1595.00" }).ClickAsync();

        // Tracking: the page follows the order over SSE.
        await Expect(page).ToHaveURLAsync(OrderUrl());
        var orderId = Uri.UnescapeDataString(new Uri(page.Url).Segments[^1]);
        var state = page.GetByTestId("order-state");
        await Expect(state).ToHaveAttributeAsync("data-state", "IN_PREPARATION", Slow);
        await Expect(page.Locator("li[data-state='CREATED'].done time")).ToBeVisibleAsync();
        await BrowserHost.ScreenshotAsync(page, "2-tracking-in-preparation");

        // The kitchen display marks it prepared.
        var kitchen = await host.NewPageAsync();
        await kitchen.GotoAsync("/kitchen/bites_n_bytes");
        var prepared = kitchen.GetByRole(AriaRole.Button, new() { Name = $"Mark order {orderId} prepared" });
        await Expect(prepared).ToBeVisibleAsync();
        await BrowserHost.ScreenshotAsync(kitchen, "3-kitchen");
        await prepared.ClickAsync();
        await Expect(prepared).ToBeHiddenAsync();

        // The tracking page, still open, moves on by itself: a simulated driver is assigned, picks the order up and
        // drives it to the customer, each step pushed to the page as it happens.
        await Expect(state).ToHaveAttributeAsync("data-state", new Regex("WAITING_FOR_DRIVER|IN_DELIVERY|DELIVERED"), Slow);
        await Expect(page.GetByTestId("order-driver")).ToHaveTextAsync(DriverId());
        await BrowserHost.ScreenshotAsync(page, "4-tracking-driver-assigned");
        await Expect(state).ToHaveAttributeAsync("data-state", "DELIVERED", Delivery);
        foreach (var step in new[] { "SCHEDULING_DELIVERY", "WAITING_FOR_DRIVER", "IN_DELIVERY", "DELIVERED" })
        {
            await Expect(page.Locator($"li[data-state='{step}'].done time")).ToBeVisibleAsync();
        }
        await BrowserHost.ScreenshotAsync(page, "5-tracking-delivered");

        // The run inspector: find the order's run and read its history.
        await kitchen.GotoAsync($"/runs?idPrefix={Uri.EscapeDataString(orderId)}");
        await kitchen.GetByRole(AriaRole.Link, new() { Name = orderId, Exact = true }).ClickAsync();
        await Expect(kitchen.GetByRole(AriaRole.Heading, new() { Name = $"Run {orderId}" })).ToBeVisibleAsync();
        await Expect(kitchen.GetByTestId("run-status")).ToHaveTextAsync("Completed");
        var history = kitchen.GetByTestId("history");
        await Expect(history).ToContainTextAsync("PaymentActivities.Charge");
        await Expect(history).ToContainTextAsync("SignalReceived");
        await Expect(history).ToContainTextAsync("WorkflowCompleted");
        await Expect(kitchen.GetByRole(AriaRole.Link, new() { Name = $"delivery-{orderId}" })).ToBeVisibleAsync();
        // The top of the page (a delivery's history runs long: every position of the driver updates the ETA).
        await BrowserHost.ScreenshotAsync(kitchen, "6-run", fullPage: false);

        // Analytics count the delivered order.
        await kitchen.GotoAsync("/analytics");
        await Expect(kitchen.GetByTestId("analytics-window")).ToContainTextAsync("Computed in your browser from all");
        await Expect(kitchen.GetByRole(AriaRole.Region, new() { Name = "Status distribution" })).ToContainTextAsync("Delivered");
        await Expect(kitchen.GetByRole(AriaRole.Region, new() { Name = "Revenue per restaurant" })).ToContainTextAsync("Bites 'n Bytes");
        await BrowserHost.ScreenshotAsync(kitchen, "7-analytics");
        Assert.False(host.Simulator.HasExited, host.Simulator.Output());
    }

    [Fact]
    public async Task OtherPages_Open_WithoutErrors()
    {
        var page = await host.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);

        await page.GotoAsync("/runs");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Workflow runs" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Table).Or(page.GetByText("No run matches these filters."))).ToBeVisibleAsync();
        await BrowserHost.ScreenshotAsync(page, "8-runs");

        await page.GetByRole(AriaRole.Link, new() { Name = "Board" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Preparing" })).ToBeVisibleAsync();
        await BrowserHost.ScreenshotAsync(page, "9-board");

        await page.GetByRole(AriaRole.Link, new() { Name = "Drivers" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "San Jose (CA)" })).ToBeVisibleAsync();
        await BrowserHost.ScreenshotAsync(page, "10-drivers");

        await page.GetByRole(AriaRole.Link, new() { Name = "Analytics" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Status distribution" })).ToBeVisibleAsync();

        // Phone width: the shop stacks its columns and keeps a link to the cart in view.
        var phone = await host.NewPageAsync(390, 844);
        await phone.GotoAsync("/");
        await phone.GetByRole(AriaRole.Button, new() { Name = "Add Fries to the cart" }).ClickAsync();
        await Expect(phone.GetByRole(AriaRole.Link, new() { Name = "View cart" })).ToBeVisibleAsync();
        await BrowserHost.ScreenshotAsync(phone, "11-shop-phone");

        Assert.Empty(errors);
        Assert.Empty(host.CspViolations);
    }

    [Fact]
    public async Task Order_ScheduledForLater_CancelledFromTheTrackingPageAndRefunded()
    {
        var page = await host.NewPageAsync();
        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Button, new() { Name = "Snack in the Box" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add Chicken wings to the cart" }).ClickAsync();
        await page.GetByLabel("Delivery time").SelectOptionAsync(new SelectOptionValue { Label = "In 1 hour" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Order for $3.40" }).ClickAsync();

        await Expect(page.GetByTestId("order-state")).ToHaveAttributeAsync("data-state", "SCHEDULED", Slow);
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel the order" }).ClickAsync();
        await Expect(page.GetByTestId("order-state")).ToHaveAttributeAsync("data-state", "CANCELLED", Slow);
        var alert = page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "The order was cancelled." });
        await Expect(alert).ToContainTextAsync("The payment was refunded.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel the order" })).ToBeHiddenAsync();
        await BrowserHost.ScreenshotAsync(page, "12-tracking-cancelled");
        Assert.Empty(host.CspViolations);
    }

    [GeneratedRegex(@"/orders/[^/]+$")]
    private static partial Regex OrderUrl();

    [GeneratedRegex(@"^driver-0[1-9]$")]
    private static partial Regex DriverId();
}
