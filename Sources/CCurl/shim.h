/* libcurl for Swift: curl_easy_setopt / curl_easy_getinfo / curl_multi_setopt are variadic, so each argument
   kind gets one typed wrapper. */
#ifndef BKCC_CCURL_SHIM_H
#define BKCC_CCURL_SHIM_H
#include <curl/curl.h>

static inline CURLcode bkcc_curl_set_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode bkcc_curl_set_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode bkcc_curl_set_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*bkcc_curl_data_fn)(char *data, size_t size, size_t count, void *user);
static inline CURLcode bkcc_curl_set_data_fn(CURL *h, CURLoption o, bkcc_curl_data_fn fn) { return curl_easy_setopt(h, o, fn); }
typedef int (*bkcc_curl_sockopt_fn)(void *user, curl_socket_t fd, curlsocktype purpose);
static inline CURLcode bkcc_curl_set_sockopt_fn(CURL *h, bkcc_curl_sockopt_fn fn) { return curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, fn); }
static inline CURLcode bkcc_curl_get_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode bkcc_curl_get_ptr(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode bkcc_curl_get_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLMcode bkcc_curlm_set_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode bkcc_curlm_set_ptr(CURLM *m, CURLMoption o, void *v) { return curl_multi_setopt(m, o, v); }
#endif
