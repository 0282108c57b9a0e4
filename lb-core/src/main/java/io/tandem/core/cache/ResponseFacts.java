package io.tandem.core.cache;

/**
 * The parts of a backend response the storing decision reads, as text
 * (null when absent): core knows no HTTP library.
 *
 * @param status           the response's status code
 * @param cacheControl     {@code Cache-Control}, lines joined with commas
 * @param surrogateControl {@code Surrogate-Control}, lines joined with commas
 * @param expires          {@code Expires}
 * @param date             {@code Date}
 * @param age              {@code Age}
 * @param vary             {@code Vary}, lines joined with commas
 * @param setCookie        the response sets a cookie
 * @param validators       it has an {@code ETag} or a {@code Last-Modified}
 */
public record ResponseFacts(int status, String cacheControl, String surrogateControl, String expires, String date,
                            String age, String vary, boolean setCookie, boolean validators) {}
