package io.tandem.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A syslog server that receives access-log lines as RFC 5424 messages, in
 * place of the {@code tandem.access} logger.
 *
 * @param address   the server, e.g. {@code 127.0.0.1:514}
 * @param transport UDP (one datagram per line, RFC 5426) or TCP (octet-counting framing, RFC 6587)
 * @param facility  the facility of the PRI value; the severity is always informational
 * @param appName   the APP-NAME field (the tag of BSD syslog)
 */
public record SyslogConfig(HostPort address, Transport transport, Facility facility, String appName) {

    /** How lines travel to the server. */
    public enum Transport {
        UDP,
        TCP;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static List<String> configNames() {
            return Arrays.stream(values()).map(Transport::configName).toList();
        }
    }

    /** The RFC 5424 facilities, in code order (the ordinal is the code). */
    public enum Facility {
        KERN, USER, MAIL, DAEMON, AUTH, SYSLOG, LPR, NEWS, UUCP, CRON, AUTHPRIV, FTP, NTP, AUDIT, ALERT, CLOCK,
        LOCAL0, LOCAL1, LOCAL2, LOCAL3, LOCAL4, LOCAL5, LOCAL6, LOCAL7;

        /** The numeric code of RFC 5424 section 6.2.1. */
        public int code() {
            return ordinal();
        }

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static List<String> configNames() {
            return Arrays.stream(values()).map(Facility::configName).toList();
        }
    }
}
