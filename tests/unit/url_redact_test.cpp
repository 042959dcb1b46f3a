// What hawatch prints of a URL: scheme, host, port and path; never userinfo or a query string,
// wherever in a message the URL stands.
#define BOOST_TEST_MODULE url_redact
#include "core/url_redact.h"

#include <boost/test/unit_test.hpp>
#include <string>

using hawatch::redact_urls;

BOOST_AUTO_TEST_CASE(userinfo_and_query_are_replaced) {
  BOOST_TEST(redact_urls("https://admin:s3cret@cam.example:8443/api/x?token=abc&b=2#frag") ==
             "https://***@cam.example:8443/api/x?***");
  BOOST_TEST(redact_urls("http://user@host/") == "http://***@host/");
  BOOST_TEST(redact_urls("http://host:9100/-/healthy") == "http://host:9100/-/healthy");
  BOOST_TEST(redact_urls("http://host?key=1") == "http://host?***");
  BOOST_TEST(redact_urls("http://host/p#tok") == "http://host/p#***");
  // An '@' in the path is not userinfo.
  BOOST_TEST(redact_urls("http://host/a@b") == "http://host/a@b");
}

BOOST_AUTO_TEST_CASE(urls_inside_messages) {
  BOOST_TEST(redact_urls("probe app: http://u:pw@h/x?t=1: unexpected status 500") ==
             "probe app: http://***@h/x?***: unexpected status 500");
  BOOST_TEST(redact_urls("bad URL \"rtsp://cam:pw@10.0.0.5/s?x=1\" and https://a:b@c/") ==
             "bad URL \"rtsp://***@10.0.0.5/s?***\" and https://***@c/");
  BOOST_TEST(redact_urls("no url here: a://") == "no url here: a://");
  BOOST_TEST(redact_urls("://nothing") == "://nothing");
  BOOST_TEST(redact_urls("") == "");
}

BOOST_AUTO_TEST_CASE(one_url_taken_whole) {
  BOOST_TEST(hawatch::redact_url("http://admin:pw@bad host/?token=t") ==
             "http://***@bad host/?***");
  BOOST_TEST(hawatch::redact_url("no-scheme/path?token=t") == "no-scheme/path?***");
  BOOST_TEST(hawatch::redact_url("http://h/p") == "http://h/p");
}
