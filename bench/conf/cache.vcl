vcl 4.1;
# Varnish in front of the origin with its builtin VCL: the origin's
# Cache-Control decides, as for Tandem and nginx.
backend origin { .host = "127.0.0.1"; .port = "@ORIGIN@"; }
sub vcl_deliver {
    if (obj.hits > 0) { set resp.http.X-Cache = "HIT"; } else { set resp.http.X-Cache = "MISS"; }
}
