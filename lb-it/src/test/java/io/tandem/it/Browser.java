package io.tandem.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Headless Chromium driven through chromedriver's W3C WebDriver HTTP API with
 * the JDK's HttpClient: a real browser, no extra dependency. One session per
 * instance; {@link #close()} quits the browser and stops chromedriver.
 *
 * <p>When chromedriver or Chromium is missing the test fails, unless
 * {@code TANDEM_NO_BROWSER=1} says this machine has no browser and {@code CI}
 * is not set: CI always runs browser tests ({@code .ci/run} installs them).
 */
final class Browser implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

    private final Process driver;
    private final Path userDataDir;
    private final Path log;
    private final String base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private String session;

    private Browser(Process driver, Path userDataDir, Path log, int port) {
        this.driver = driver;
        this.userDataDir = userDataDir;
        this.log = log;
        this.base = "http://127.0.0.1:" + port;
    }

    /** Starts chromedriver on a free loopback port and opens a headless Chromium session. */
    static Browser start(Path workDir) throws IOException {
        Path chromedriver = find("CHROMEDRIVER", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
        Path chromium = find("CHROMIUM", "/usr/bin/chromium");
        String bundled = System.getenv("CHROMEWEBDRIVER");
        if ((chromedriver == null || chromium == null) && bundled != null) {
            // A CI image with Google Chrome and its matching driver instead of Debian's chromium.
            chromedriver = find("CHROMEDRIVER", bundled + "/chromedriver");
            chromium = find("CHROMIUM", "/usr/bin/google-chrome");
        }
        if (chromedriver == null || chromium == null) {
            String what = "headless browser tests need chromium and chromium-driver (apt-get install -y chromium "
                    + "chromium-driver); found chromedriver=" + chromedriver + ", chromium=" + chromium;
            boolean ci = System.getenv("CI") != null && !System.getenv("CI").isEmpty();
            Assumptions.assumeFalse(!ci && "1".equals(System.getenv("TANDEM_NO_BROWSER")), what);
            throw new AssertionError(what);
        }
        int port = Ports.free();
        Path log = Files.createTempFile(workDir, "chromedriver-", ".log");
        Process p = new ProcessBuilder(chromedriver.toString(), "--port=" + port, "--allowed-ips=127.0.0.1")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Path userData = Files.createTempDirectory(workDir, "chromium-profile-");
        Browser b = new Browser(p, userData, log, port);
        try {
            Poll.until(Duration.ofSeconds(20), "chromedriver ready on port " + port, b::ready);
            b.open(chromium);
        } catch (RuntimeException | Error e) {
            b.close();
            throw e;
        }
        return b;
    }

    private static Path find(String env, String... candidates) {
        String configured = System.getenv(env);
        if (configured != null && Files.isExecutable(Path.of(configured))) {
            return Path.of(configured);
        }
        for (String c : candidates) {
            if (Files.isExecutable(Path.of(c))) {
                return Path.of(c);
            }
        }
        return null;
    }

    private boolean ready() {
        if (!driver.isAlive()) {
            throw new AssertionError("chromedriver exited: " + output());
        }
        try {
            return call("GET", "/status", null).path("value").path("ready").asBoolean();
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    private void open(Path chromium) {
        ObjectNode caps = JSON.createObjectNode();
        ObjectNode always = caps.putObject("capabilities").putObject("alwaysMatch");
        always.put("browserName", "chrome");
        ObjectNode chrome = always.putObject("goog:chromeOptions");
        chrome.put("binary", chromium.toString());
        for (String arg : List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--user-data-dir=" + userDataDir)) {
            chrome.withArray("args").add(arg);
        }
        JsonNode r = call("POST", "/session", caps);
        session = r.path("value").path("sessionId").asText(null);
        if (session == null) {
            throw new AssertionError("chromedriver gave no session: " + r + "\n" + output());
        }
    }

    void navigate(String url) {
        ObjectNode body = JSON.createObjectNode().put("url", url);
        call("POST", "/session/" + session + "/url", body);
    }

    /** The ids of the elements matching a CSS selector, in document order. */
    List<String> findAll(String css) {
        ObjectNode body = JSON.createObjectNode().put("using", "css selector").put("value", css);
        List<String> ids = new ArrayList<>();
        for (JsonNode e : call("POST", "/session/" + session + "/elements", body).path("value")) {
            ids.add(e.path(ELEMENT).asText());
        }
        return ids;
    }

    /** The rendered text of the one element matching {@code css}, or null when there is none. */
    String text(String css) {
        List<String> found = findAll(css);
        if (found.isEmpty()) {
            return null;
        }
        return call("GET", "/session/" + session + "/element/" + found.get(0) + "/text", null).path("value").asText();
    }

    /** An attribute of the first element matching {@code css}, or null. */
    String attribute(String css, String name) {
        List<String> found = findAll(css);
        if (found.isEmpty()) {
            return null;
        }
        JsonNode v = call("GET", "/session/" + session + "/element/" + found.get(0) + "/attribute/" + name, null)
                .path("value");
        return v.isNull() ? null : v.asText();
    }

    void click(String css) {
        List<String> found = findAll(css);
        if (found.isEmpty()) {
            throw new AssertionError("nothing to click at " + css);
        }
        call("POST", "/session/" + session + "/element/" + found.get(0) + "/click", JSON.createObjectNode());
    }

    void type(String css, String text) {
        List<String> found = findAll(css);
        if (found.isEmpty()) {
            throw new AssertionError("nothing to type into at " + css);
        }
        call("POST", "/session/" + session + "/element/" + found.get(0) + "/value",
                JSON.createObjectNode().put("text", text));
    }

    private JsonNode call(String method, String path, JsonNode body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.method(method, HttpRequest.BodyPublishers.ofString(body.toString()))
                    .header("Content-Type", "application/json");
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = JSON.readTree(r.body());
            if (r.statusCode() != 200) {
                throw new AssertionError("WebDriver " + method + " " + path + " answered " + r.statusCode() + ": "
                        + json.path("value").path("message").asText(r.body()));
            }
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(chromedriver log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        try {
            if (session != null && driver.isAlive()) {
                call("DELETE", "/session/" + session, null);
            }
        } catch (RuntimeException | AssertionError e) {
            // The browser may be gone already; chromedriver is stopped below either way.
        } finally {
            driver.destroy();
            try {
                if (!driver.waitFor(10, TimeUnit.SECONDS)) {
                    driver.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
