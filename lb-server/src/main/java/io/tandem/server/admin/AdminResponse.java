package io.tandem.server.admin;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** What an admin endpoint answers: status, content type, body and extra headers. Immutable. */
record AdminResponse(HttpResponseStatus status, String contentType, byte[] body, Map<String, String> headers) {

    static final String TEXT = "text/plain; charset=utf-8";
    static final String JSON = "application/json";

    static AdminResponse text(HttpResponseStatus status, String message) {
        return new AdminResponse(status, TEXT, (message + "\n").getBytes(StandardCharsets.UTF_8), Map.of());
    }

    static AdminResponse json(HttpResponseStatus status, String json) {
        return new AdminResponse(status, JSON, json.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    AdminResponse withHeader(String name, String value) {
        Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.put(name, value);
        return new AdminResponse(status, contentType, body, Map.copyOf(h));
    }
}
