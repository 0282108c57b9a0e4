package io.tandem.server;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.management.JMException;
import javax.management.ObjectName;
import org.slf4j.Logger;

/**
 * The class-data archive the launcher asks a daemon to write when it stops: the classes this run loaded
 * (the daemon's and its libraries', parsed and verified), which every later start maps from the file
 * instead of loading them from the jar again (the launcher's {@code -XX:SharedArchiveFile}).
 *
 * <p>The launcher asks for it ({@code -Dtandem.cds.archive=FILE} with {@code -XX:+RecordDynamicDumpInfo})
 * when the file is missing or older than the jar. It is written only by a daemon that started and was
 * stopped by a signal, once its connections were drained, so it holds the classes of a daemon that
 * served, not of a start that failed; through the JVM's {@code VM.cds dynamic_dump} diagnostic command,
 * into a temporary file moved over the old one, so a start at the same moment maps a whole archive or none.
 */
final class ClassDataArchive {

    /** The system property that names the file, set by the launcher. */
    static final String PROPERTY = "tandem.cds.archive";

    private ClassDataArchive() {}

    /** Writes the archive if the launcher asked for one; failures are logged, never thrown. */
    static void writeIfAsked(Logger log) {
        String file = System.getProperty(PROPERTY);
        if (file == null || file.isEmpty()) {
            return;
        }
        Path target = Path.of(file);
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        long started = System.nanoTime();
        try {
            Files.deleteIfExists(partial);
            Object said = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmCds",
                    new Object[] {new String[] {"dynamic_dump", partial.toString()}},
                    new String[] {String[].class.getName()});
            if (!Files.isRegularFile(partial) || Files.size(partial) == 0) {
                log.info("no class-data archive written to {}: {}", target, String.valueOf(said).strip());
                Files.deleteIfExists(partial);
                return;
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            log.info("class-data archive for the next start written to {} ({} MiB, {} ms)", target,
                    Files.size(target) >> 20, (System.nanoTime() - started) / 1_000_000);
        } catch (JMException | IOException | RuntimeException e) {
            log.info("no class-data archive written to {}: {}", target, e.toString());
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // Nothing more to do: the next start loads its classes from the jar.
            }
        }
    }
}
