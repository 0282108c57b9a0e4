package io.tandem.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.config.AdminConfig;
import io.tandem.config.ConfigException;
import io.tandem.config.ConfigLoader;
import io.tandem.config.HostPort;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code tandem reload -c FILE}: asks the daemon running FILE to reload it
 * through the admin API ({@code POST /api/v1/reload}, with the token of
 * {@code admin.token-file}) and waits for the result, so that a unit's
 * {@code ExecReload} (and {@code systemctl reload}) fails when the new config
 * is refused. SIGHUP cannot: it returns before the reload is done. The admin
 * address and token are FILE's: a file that does not validate is refused
 * here, without asking the daemon, which keeps the config it runs.
 */
final class ReloadCommand {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** A reload binds new listeners and checks new backends first; systemd's own TimeoutSec bounds it too. */
    private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(90);

    private ReloadCommand() {}

    static int run(Path file, PrintStream out, PrintStream err) {
        AdminConfig admin;
        try {
            admin = ConfigLoader.load(file).admin();
        } catch (ConfigException e) {
            Main.printProblems(e, err);
            err.println("tandem: reload refused: " + file + " is not valid; the running config stays in force");
            return Main.USAGE;
        }
        URI uri = URI.create("http://" + reachable(admin.bind()) + "/api/v1/reload");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(RELOAD_TIMEOUT)
                .POST(HttpRequest.BodyPublishers.noBody());
        if (admin.tokenFile() != null) {
            try {
                String token = Files.readString(Path.of(admin.tokenFile()), StandardCharsets.UTF_8).strip();
                request.header("Authorization", "Bearer " + token);
            } catch (IOException e) {
                err.println("tandem: cannot read admin.token-file " + admin.tokenFile() + ": " + e);
                return Main.FAILURE;
            }
        }
        try {
            HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build()
                    .send(request.build(), HttpResponse.BodyHandlers.ofString());
            return report(response, out, err);
        } catch (IOException e) {
            err.println("tandem: no answer from the admin API at " + uri + ": " + e);
            return Main.FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.FAILURE;
        }
    }

    private static int report(HttpResponse<String> response, PrintStream out, PrintStream err) throws IOException {
        int status = response.statusCode();
        if (status != 200 && status != 422) {
            err.println("tandem: the admin API answered " + status + ": " + response.body().strip());
            return Main.FAILURE;
        }
        JsonNode body = new ObjectMapper().readTree(response.body());
        if (status == 200) {
            out.println("reloaded: " + body.path("summary").asText());
            return Main.OK;
        }
        for (JsonNode problem : body.path("problems")) {
            err.println(problem.asText());
        }
        err.println("tandem: reload refused: " + body.path("summary").asText());
        return Main.USAGE;
    }

    /** Where to reach an admin server bound to {@code bind}: loopback for a wildcard address. */
    private static String reachable(HostPort bind) {
        String host = bind.host();
        if (bind.isWildcard() || host.equals("0.0.0.0")) {
            return "127.0.0.1:" + bind.port();
        }
        if (host.equals("::")) {
            return "[::1]:" + bind.port();
        }
        return bind.toString();
    }
}
