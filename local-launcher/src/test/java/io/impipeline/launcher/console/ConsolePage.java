package io.impipeline.launcher.console;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operations console ({@code /console/index.html} of the dlq-handler) as a user sees it: what the test does is
 * typing and clicking; what it reads, it reads from the page (by the {@code data-test} attributes the console gives
 * its elements). Lists are read in one script, so a page that refreshes itself never hands back a stale element.
 */
public final class ConsolePage {

    /** A dead letter's inspect view: the fields shown and every header by name. */
    public record DeadLetterView(String messageId, String stage, String reason, String status,
                                 Map<String, String> headers) {
    }

    /** One line of the audit log. */
    public record AuditLine(String actor, String action, String target, String count) {
    }

    private final WebDriver driver;
    private final String consoleUrl;
    private final Duration timeout;

    public ConsolePage(WebDriver driver, String dlqHandlerUrl, Duration timeout) {
        this.driver = driver;
        this.consoleUrl = dlqHandlerUrl + "/console/index.html";
        this.timeout = timeout;
    }

    public static By test(String name) {
        return By.cssSelector("[data-test='" + name + "']");
    }

    // ---------------------------------------------------------------------------------------- login and session

    public ConsolePage open() {
        driver.get(consoleUrl);
        await("the login form or a page", d -> visible("login") || visible("view"));
        return this;
    }

    public void logIn(String operator, String token) {
        type(test("login-operator"), operator);
        type(test("login-token"), token);
        driver.findElement(test("login-submit")).click();
    }

    /** Waits for the login form's message to contain {@code expected} and returns it whole. */
    public String awaitLoginMessage(String expected) {
        return await("login message containing '" + expected + "'", d -> {
            String text = driver.findElement(test("login-message")).getText();
            return text.contains(expected) ? text : null;
        });
    }

    public boolean loginFormShown() {
        return visible("login");
    }

    public void awaitLoggedIn() {
        await("a page after the login", d -> visible("view") && !visible("login"));
    }

    public String operatorShown() {
        return driver.findElement(test("operator-name")).getText();
    }

    public String url() {
        return driver.getCurrentUrl();
    }

    public String sessionStorage(String key) {
        return (String) js("return sessionStorage.getItem(arguments[0])", key);
    }

    /** Every value the page keeps in sessionStorage and localStorage, joined (to check where a secret is). */
    public String allStoredValues(String storage) {
        return (String) js("const s = window[arguments[0]]; return Object.keys(s).map(k => k + '=' + s.getItem(k))"
                + ".join('\\n')", storage);
    }

    public void logOut() {
        driver.findElement(test("logout")).click();
        await("the login form", d -> visible("login"));
    }

    // ---------------------------------------------------------------------------------------- navigation

    /** Clicks a page in the navigation bar (overview, dead-letters, replays, trace, audit) and waits for it. */
    public void go(String page) {
        driver.findElement(test("nav-" + page)).click();
        awaitPage(page);
    }

    public void awaitPage(String page) {
        await("page " + page, d -> page.equals(driver.findElement(By.id("view")).getDomAttribute("data-page")));
    }

    // ---------------------------------------------------------------------------------------- overview

    /** The apps of the overview as {@code name -> "health/readiness"}, once every one of {@code names} is UP/UP. */
    @SuppressWarnings("unchecked")
    public Map<String, String> awaitAppsUp(List<String> names) {
        Map<String, String>[] last = new Map[] {Map.of()};
        try {
            return await("apps " + names + " UP and ready", d -> {
                Map<String, String> apps = new LinkedHashMap<>();
                for (Object row : (List<Object>) js("return [...document.querySelectorAll(\"[data-test='app-row']\")]"
                        + ".map(r => [r.dataset.app, r.querySelector(\"[data-test='app-health']\").textContent"
                        + " + '/' + r.querySelector(\"[data-test='app-readiness']\").textContent])")) {
                    List<String> pair = (List<String>) row;
                    apps.put(pair.get(0), pair.get(1));
                }
                last[0] = apps;
                return names.stream().allMatch(n -> "UP/UP".equals(apps.get(n))) ? apps : null;
            });
        } catch (TimeoutException e) {
            throw new AssertionError("overview shows " + last[0] + ", expected " + names + " UP/UP", e);
        }
    }

    /** Waits for the overview's trace writing of {@code app} to show {@code state} (WRITING, PAUSED, OFF). */
    public void awaitTraceWriting(String app, String state) {
        By badge = By.cssSelector("[data-test='trace-writer-row'][data-app='" + app
                + "'] [data-test='trace-writing-state']");
        try {
            await("trace writing of " + app + " " + state, d -> {
                List<WebElement> found = driver.findElements(badge);
                return !found.isEmpty() && state.equals(found.get(0).getText());
            });
        } catch (TimeoutException e) {
            throw new AssertionError("the overview's trace writing shows "
                    + driver.findElement(test("trace-writers")).getText() + ", expected " + app + " " + state, e);
        }
    }

    /** Clicks Pause or Resume of {@code app}'s trace writing; returns the confirmation asked (not yet confirmed). */
    public String askToSwitchTraceWriting(String app) {
        driver.findElement(By.cssSelector("[data-test='trace-writer-row'][data-app='" + app
                + "'] [data-test='trace-writing-switch']")).click();
        await("the confirmation dialog", d -> visible("confirm-dialog"));
        return text("confirm-title") + " " + text("confirm-text");
    }

    /** The trace page's note that trace writing is paused somewhere, once it shows. */
    public String awaitTraceWritingPausedNote() {
        return await("the trace page's paused note", d -> visible("trace-writing-paused")
                ? text("trace-writing-paused") : null);
    }

    /** Whether the trace page shows no paused note now. */
    public boolean traceWritingPausedNoteShown() {
        return visible("trace-writing-paused");
    }

    // ---------------------------------------------------------------------------------------- dead letters

    /** Searches the dead letters by message id through the filter form; returns the id of the row found. */
    public long findDeadLetter(String messageId) {
        type(test("dl-filter-message_id"), messageId);
        driver.findElement(test("dl-filter-submit")).click();
        // Only rows of the list loaded for this filter (the list shown before the search has the newest ones).
        String id = await("a dead letter of message " + messageId, d -> (String) js(
                "const list = document.querySelector(\"[data-test='dl-list']\");"
                        + "if (!list || new URLSearchParams(list.dataset.query).get('message_id') !== arguments[0])"
                        + " return null;"
                        + "const r = [...list.querySelectorAll(\"[data-test='dl-row']\")]"
                        + ".find(r => r.dataset.messageId === arguments[0]); return r ? r.dataset.id : null",
                messageId));
        return Long.parseLong(id);
    }

    /** Opens a dead letter of the list and reads its inspect view. */
    public DeadLetterView inspect(long id) {
        driver.findElement(By.cssSelector("[data-test='dl-row'][data-id='" + id + "'] [data-test='dl-open']"))
                .click();
        await("the inspect view of dead letter " + id, d -> visible("dl-reason"));
        return deadLetterView();
    }

    @SuppressWarnings("unchecked")
    public DeadLetterView deadLetterView() {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Object row : (List<Object>) js("return [...document.querySelectorAll(\"[data-test='dl-header']\")]"
                + ".map(r => [r.dataset.name, r.cells[1].textContent])")) {
            List<String> pair = (List<String>) row;
            headers.put(pair.get(0), pair.get(1));
        }
        return new DeadLetterView(text("dl-message-id"), text("dl-stage"), text("dl-reason"), text("dl-status"),
                headers);
    }

    /** Clicks Replay in the inspect view; returns the confirmation the dialog asks (not yet confirmed). */
    public String askToReplay() {
        driver.findElement(test("dl-replay")).click();
        await("the confirmation dialog", d -> visible("confirm-dialog"));
        return text("confirm-title") + " " + text("confirm-text");
    }

    public void confirm() {
        driver.findElement(test("confirm-ok")).click();
        await("the dialog to close", d -> !visible("confirm-dialog"));
    }

    /** Waits for the inspect view to show the status. */
    public void awaitDeadLetterStatus(String status) {
        await("dead letter status " + status, d -> status.equals(text("dl-status")));
    }

    public void openTraceOfInspected() {
        driver.findElement(test("dl-trace")).click();
        awaitPage("trace");
    }

    // ---------------------------------------------------------------------------------------- topic replays

    /** Fills in the topic replay form (an offset range of every partition) and clicks Start; returns the question. */
    public String askToStartTopicReplay(String source, String target, long fromOffset, long toOffset, int rate) {
        type(test("replay-source-topic"), source);
        type(test("replay-target-topic"), target);
        type(test("replay-from-offset"), String.valueOf(fromOffset));
        type(test("replay-to-offset"), String.valueOf(toOffset));
        type(test("replay-rate-per-second"), String.valueOf(rate));
        driver.findElement(test("replay-start")).click();
        await("the confirmation dialog", d -> visible("confirm-dialog"));
        return text("confirm-title") + " " + text("confirm-text");
    }

    /** Waits for the job the page says it started to show {@code status}; returns its row as the page shows it. */
    public String awaitStartedTopicReplay(String status) {
        String started = await("the started job", d -> visible("replay-started") ? text("replay-started") : null);
        String id = started.replaceFirst("^started (\\S+):.*$", "$1");
        return await("topic replay " + id + " " + status, d -> (String) js(
                "const r = document.querySelector(`[data-test='replay-row'][data-id='${arguments[0]}']`);"
                        + "return r && r.dataset.status === arguments[1] ? r.textContent : null", id, status));
    }

    // ---------------------------------------------------------------------------------------- trace and audit

    /** The stage names the trace page shows, in order, once they satisfy {@code done} (it refreshes itself). */
    @SuppressWarnings("unchecked")
    public List<String> awaitTraceStages(Predicate<List<String>> done, Duration within) {
        List<String>[] last = new List[] {List.of()};
        try {
            return await(within, "trace stages", d -> {
                List<String> stages = (List<String>) js("return [...document.querySelectorAll("
                        + "\"[data-test='trace-stage']\")].map(r => r.dataset.stage)");
                last[0] = stages;
                return done.test(stages) ? stages : null;
            });
        } catch (TimeoutException e) {
            throw new AssertionError("the trace shows " + last[0] + " ("
                    + driver.findElement(test("trace-result")).getText() + ")", e);
        }
    }

    /** The audit log's lines once one satisfies {@code wanted} (the page refreshes itself). */
    @SuppressWarnings("unchecked")
    public List<AuditLine> awaitAuditLine(Predicate<AuditLine> wanted) {
        List<AuditLine>[] last = new List[] {List.of()};
        try {
            return await("an audit line", d -> {
                List<AuditLine> lines = ((List<Object>) js("return [...document.querySelectorAll("
                        + "\"[data-test='audit-row']\")].map(r => [...r.cells].map(c => c.textContent))"))
                        .stream().map(o -> (List<String>) o)
                        .map(c -> new AuditLine(c.get(1), c.get(2), c.get(3), c.get(4))).toList();
                last[0] = lines;
                return lines.stream().anyMatch(wanted) ? lines : null;
            });
        } catch (TimeoutException e) {
            throw new AssertionError("the audit log shows " + last[0] + " ("
                    + driver.findElement(test("audit")).getText() + ")", e);
        }
    }

    // ---------------------------------------------------------------------------------------- helpers

    private boolean visible(String name) {
        List<WebElement> found = driver.findElements(test(name));
        return !found.isEmpty() && found.get(0).isDisplayed();
    }

    private String text(String name) {
        List<WebElement> found = driver.findElements(test(name));
        return found.isEmpty() ? null : found.get(0).getText();
    }

    private void type(By field, String value) {
        WebElement input = driver.findElement(field);
        input.clear();
        input.sendKeys(value);
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    private <T> T await(String what, Function<WebDriver, T> condition) {
        return await(timeout, what, condition);
    }

    private <T> T await(Duration within, String what, Function<WebDriver, T> condition) {
        WebDriverWait wait = new WebDriverWait(driver, within, Duration.ofMillis(250));
        wait.withMessage("waiting for " + what).ignoring(StaleElementReferenceException.class);
        return wait.until(condition::apply);
    }
}
