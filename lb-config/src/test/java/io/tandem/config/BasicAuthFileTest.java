package io.tandem.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parsing htpasswd files of bcrypt hashes. */
class BasicAuthFileTest {

    static final String ALICE = "$2y$04$ch05OiMyM8T3Zkrg2r2MWOLJmaYvVwv0tWD2vZFlPXVmSei9xG.2y";
    static final String BOB = "$2y$04$quSna40mkcDagTKpcAg2D.O6Y4oe3fWzhJ7ujafVdHxPVOWh39tcq";

    // Users and their hashes, comments and blank lines skipped, CRLF line ends taken.
    @Test
    void readsUsers() {
        List<String> problems = new ArrayList<>();
        Map<String, String> users = BasicAuthFile.parse("# admins\r\nalice:" + ALICE + "\r\n\r\nbob:" + BOB + "\n",
                "a.htpasswd", problems);
        assertThat(problems).isEmpty();
        assertThat(users).containsExactly(Map.entry("alice", ALICE), Map.entry("bob", BOB));
    }

    // Each bad line is reported with its number: not bcrypt, no colon, a user twice.
    @Test
    void reportsBadLines() {
        List<String> problems = new ArrayList<>();
        BasicAuthFile.parse("alice:" + ALICE + "\ncarol:$apr1$abc$def\njustaname\nalice:" + BOB + "\n",
                "a.htpasswd", problems);
        assertThat(problems).containsExactly(
                "a.htpasswd line 2: the hash of 'carol' is not bcrypt; expected $2y$... (htpasswd -B makes one; "
                        + "MD5, SHA-1 and crypt hashes are not accepted)",
                "a.htpasswd line 3: expected user:bcrypt-hash (htpasswd -B)",
                "a.htpasswd line 4: 'alice' is already listed");
    }

    // A file without users is refused: the route would let nobody in.
    @Test
    void refusesAnEmptyFile() {
        List<String> problems = new ArrayList<>();
        BasicAuthFile.parse("# nobody\n", "a.htpasswd", problems);
        assertThat(problems).containsExactly("a.htpasswd lists no user; expected user:bcrypt-hash lines (htpasswd -B)");
    }
}
