package io.tandem.config;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an OCSP response file (DER, RFC 6960) and checks what makes a staple
 * useless to clients: a response that is not "successful", or that does not
 * say "good" for the certificate it is stapled to. Reads only as much of the
 * DER as that takes (no signature check: the client verifies the response).
 * Stateless.
 */
final class OcspFiles {

    private static final int SEQUENCE = 0x30;
    private static final int ENUMERATED = 0x0a;
    private static final int OCTET_STRING = 0x04;
    private static final int INTEGER = 0x02;
    private static final int GENERALIZED_TIME = 0x18;
    /** certStatus good: [0] IMPLICIT NULL. */
    private static final int GOOD = 0x80;
    private static final String[] STATUS = {"successful", "malformedRequest", "internalError", "tryLater", "4",
        "sigRequired", "unauthorized"};

    private OcspFiles() {}

    /** The response of {@code file} for the certificate with {@code serial}, or null after reporting why not. */
    static OcspResponse read(String file, BigInteger serial, String certFile, CertificateFiles.Problems problems) {
        byte[] der;
        try {
            der = Files.readAllBytes(Path.of(file));
        } catch (IOException e) {
            problems.report("ocsp", "cannot read " + file + ": " + ConfigLoader.describe(e)
                    + "; expected a DER OCSP response (openssl ocsp -respout)");
            return null;
        }
        try {
            Element response = Element.at(der, 0).expect(SEQUENCE);
            List<Element> parts = response.children();
            int status = parts.get(0).expect(ENUMERATED).unsigned();
            if (status != 0) {
                problems.report("ocsp", file + " is an OCSP response with status "
                        + (status < STATUS.length ? STATUS[status] : Integer.toString(status))
                        + "; expected a successful one");
                return null;
            }
            byte[] basic = parts.get(1).children().get(0).expect(SEQUENCE).children().get(1).expect(OCTET_STRING)
                    .content();
            List<Element> data = Element.at(basic, 0).expect(SEQUENCE).children().get(0).expect(SEQUENCE).children();
            // version [0] is optional; responderID, producedAt, then the responses.
            Element responses = data.get(data.get(0).tag == 0xa0 ? 3 : 2).expect(SEQUENCE);
            List<String> others = new ArrayList<>();
            for (Element single : responses.children()) {
                List<Element> fields = single.expect(SEQUENCE).children();
                BigInteger responseSerial = new BigInteger(fields.get(0).expect(SEQUENCE).children().get(3)
                        .expect(INTEGER).content());
                if (!responseSerial.equals(serial)) {
                    others.add(responseSerial.toString(16));
                    continue;
                }
                if (fields.get(1).tag != GOOD) {
                    problems.report("ocsp", file + " says the certificate of " + certFile + " is "
                            + (fields.get(1).tag == 0xa1 ? "revoked" : "unknown to its responder")
                            + "; expected a response with status good");
                    return null;
                }
                Instant nextUpdate = fields.size() > 3 && fields.get(3).tag == 0xa0
                        ? time(fields.get(3).children().get(0).expect(GENERALIZED_TIME)) : null;
                return new OcspResponse(file, der, nextUpdate);
            }
            problems.report("ocsp", file + " answers for serial " + String.join(", ", others) + ", not for the "
                    + "certificate of " + certFile + " (serial " + serial.toString(16) + ")");
            return null;
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            problems.report("ocsp", file + " is not a DER OCSP response; expected the output of openssl ocsp "
                    + "-respout");
            return null;
        }
    }

    private static Instant time(Element generalized) {
        String text = new String(generalized.content(), StandardCharsets.US_ASCII);
        return LocalDateTime.parse(text.substring(0, 14), DateTimeFormatter.ofPattern("yyyyMMddHHmmss"))
                .toInstant(ZoneOffset.UTC);
    }

    /** One DER element: its tag and where its content is. */
    private record Element(byte[] der, int tag, int start, int length) {

        static Element at(byte[] der, int offset) {
            if (offset + 2 > der.length) {
                throw new IllegalArgumentException("truncated");
            }
            int tag = der[offset] & 0xff;
            int first = der[offset + 1] & 0xff;
            int start = offset + 2;
            int length = first;
            if (first >= 0x80) {
                int count = first & 0x7f;
                if (count == 0 || count > 3 || start + count > der.length) {
                    throw new IllegalArgumentException("bad length");
                }
                length = 0;
                for (int i = 0; i < count; i++) {
                    length = (length << 8) | (der[start + i] & 0xff);
                }
                start += count;
            }
            if (start + length > der.length) {
                throw new IllegalArgumentException("truncated");
            }
            return new Element(der, tag, start, length);
        }

        Element expect(int expected) {
            if (tag != expected) {
                throw new IllegalArgumentException("tag " + tag + ", expected " + expected);
            }
            return this;
        }

        List<Element> children() {
            List<Element> out = new ArrayList<>();
            for (int i = start; i < start + length; ) {
                Element e = at(der, i);
                out.add(e);
                i = e.start + e.length;
            }
            return out;
        }

        byte[] content() {
            return java.util.Arrays.copyOfRange(der, start, start + length);
        }

        int unsigned() {
            return new BigInteger(1, content()).intValue();
        }
    }
}
