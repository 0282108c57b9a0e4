package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the help's settings table in step with the code: every system property
 * and environment variable that lb-server and lb-core read is listed there.
 * Reads the sources: a literal name, or a constant of the same file.
 */
class CommandHelpTest {

    private static final Pattern PROPERTY_READ = Pattern.compile(
            "(?:System\\.getProperty|Boolean\\.getBoolean|Integer\\.getInteger|Long\\.getLong)\\(\\s*(\"[^\"]+\"|\\w+)");
    private static final Pattern ENV_READ = Pattern.compile(
            "(?:System\\.getenv|\\benv\\.get)\\(\\s*(\"[^\"]+\"|\\w+)");

    // Each -D property the code reads (the JDK's own java.* aside) is in the help's table.
    @Test
    void everyPropertyReadIsListed() {
        Set<String> read = reads(PROPERTY_READ);
        read.removeIf(name -> name.startsWith("java."));
        assertThat(read).contains("tandem.threads", "tandem.transport", "tandem.nio");
        assertThat(names(CommandHelp.PROPERTIES)).containsAll(read);
    }

    // Each environment variable the code reads is in the help's table.
    @Test
    void everyVariableReadIsListed() {
        Set<String> read = reads(ENV_READ);
        assertThat(read).contains("TANDEM_LOG_LEVEL", "NOTIFY_SOCKET", "WATCHDOG_USEC");
        assertThat(names(CommandHelp.ENVIRONMENT)).containsAll(read);
    }

    private static Set<String> names(java.util.List<CommandHelp.Setting> settings) {
        return settings.stream().map(CommandHelp.Setting::name).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> reads(Pattern call) {
        Set<String> names = new TreeSet<>();
        for (Path root : new Path[] {Path.of("src/main/java"), Path.of("../lb-core/src/main/java")}) {
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
                    String text = read(f);
                    Matcher m = call.matcher(text);
                    while (m.find()) {
                        names.add(resolve(m.group(1), text, f));
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return names;
    }

    /** A quoted literal as it is; a constant's name to its value in the same file. */
    private static String resolve(String argument, String text, Path file) {
        if (argument.startsWith("\"")) {
            return argument.substring(1, argument.length() - 1);
        }
        Matcher constant = Pattern.compile("String " + argument + " = \"([^\"]+)\"").matcher(text);
        assertThat(constant.find()).as("the value of %s in %s", argument, file).isTrue();
        return constant.group(1);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
