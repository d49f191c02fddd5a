package awsfake

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var rangeHeader = regexp.MustCompile(`^bytes=(\d+)-(\d*)$`)

// routeS3 serves path-style GetObject: GET /BUCKET/KEY.
func (f *Fake) routeS3(r *http.Request) (string, handlerFunc, bool) {
	if r.Method != http.MethodGet {
		return "", nil, false
	}
	bucket, key, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !ok || bucket == "" || key == "" {
		return "", nil, false
	}
	return OpGetObject, func(r *http.Request, _ map[string]any) (any, error) {
		return f.getObject(bucket, key, r.Header.Get("Range"))
	}, true
}

func (f *Fake) getObject(bucket, key, rng string) (any, error) {
	f.mu.Lock()
	obj, ok := f.objects[bucket+"/"+key]
	f.mu.Unlock()
	if !ok {
		return nil, &apiError{404, "NoSuchKey", "The specified key does not exist."}
	}
	h := http.Header{}
	ct := obj.ContentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("ETag", fmt.Sprintf("%q", fmt.Sprintf("%x", len(obj.Body))))
	h.Set("Last-Modified", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	for k, v := range obj.Metadata {
		h.Set("X-Amz-Meta-"+k, v)
	}
	size := len(obj.Body)
	if rng == "" {
		h.Set("Content-Length", strconv.Itoa(size))
		return &rawResponse{status: 200, header: h, body: obj.Body}, nil
	}
	m := rangeHeader.FindStringSubmatch(rng)
	if m == nil {
		return nil, &apiError{400, "InvalidArgument", "Invalid range " + rng}
	}
	start, _ := strconv.Atoi(m[1])
	end := size - 1
	if m[2] != "" {
		end, _ = strconv.Atoi(m[2])
		end = min(end, size-1)
	}
	if start >= size {
		return nil, &apiError{416, "InvalidRange", "The requested range is not satisfiable"}
	}
	h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, size))
	h.Set("Content-Length", strconv.Itoa(end-start+1))
	return &rawResponse{status: 206, header: h, body: obj.Body[start : end+1]}, nil
}
