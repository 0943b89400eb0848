// Multipart uploads with minio-go v7 (Debian's 7.0.46 source, built offline in GOPATH mode by
// tests/clients/test_clients_multipart.py), run as `minio_go_multipart SPEC.json`.
// Over plain HTTP minio-go signs every chunk of a part (STREAMING-AWS4-HMAC-SHA256-PAYLOAD).
//
//	crc32c:  PutObject of a reader without ReadAt, PartSize 5 MiB: one part at a time, each with
//	         x-amz-checksum-crc32c (7.0.46 sends CRC32C unless SendContentMd5), Create with
//	         x-amz-checksum-algorithm CRC32C, Complete with the per-part CRC32Cs.
//	trailer: a client with TrailingHeaders, PutObject of a bytes.Reader (ReadAt: parts in
//	         parallel), PartSize 5 MiB: each part STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER with
//	         the CRC32C in a signed trailer.
//	md5:     SendContentMd5, a reader without ReadAt: Content-MD5 on each signed-chunk part, no
//	         checksum.
//
// A recording http.RoundTripper keeps each request's method, query and framing headers and the
// first and last bytes of its body, and the answer's status and headers. Each object is read back
// with StatObject (x-amz-checksum-mode: ENABLED) and GetObject. It writes OUT/report.json and the
// downloads to OUT/*; the test asserts.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

type spec struct {
	Host      string            `json:"host"`
	Port      int               `json:"port"`
	Bucket    string            `json:"bucket"`
	Files     map[string]string `json:"files"`
	Keys      map[string]string `json:"keys"`
	PartSize  uint64            `json:"part_size"`
	Out       string            `json:"out"`
	AccessKey string            `json:"access_key"`
	SecretKey string            `json:"secret_key"`
}

func must(err error, what string) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
		os.Exit(1)
	}
}

// --- the wire, as sent ------------------------------------------------------------------------
type wireEntry struct {
	Tag         string            `json:"tag"`
	Method      string            `json:"method"`
	Path        string            `json:"path"`
	Query       string            `json:"query"`
	Headers     map[string]string `json:"headers"`
	BodyHead    string            `json:"body_head"`
	BodyTail    string            `json:"body_tail"`
	BodyLen     int64             `json:"body_len"`
	Status      int               `json:"status"`
	RespHeaders map[string]string `json:"resp_headers"`
}

var reqHeaders = []string{"Content-Length", "Content-Encoding", "Content-Md5", "X-Amz-Content-Sha256",
	"X-Amz-Trailer", "X-Amz-Decoded-Content-Length", "X-Amz-Checksum-Crc32c", "X-Amz-Checksum-Algorithm",
	"X-Amz-Checksum-Type", "Content-Type", "X-Amz-Meta-Origin"}
var respHeaders = []string{"Etag", "X-Amz-Checksum-Crc32c", "X-Amz-Checksum-Type"}

type recorder struct {
	mu    sync.Mutex
	tag   string
	wire  []*wireEntry
	inner http.RoundTripper
}

// bodyTap keeps the first and the last 256 bytes that went through it.
type bodyTap struct {
	rc   io.ReadCloser
	head []byte
	tail []byte
	n    int64
	mu   *sync.Mutex
}

func (b *bodyTap) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.mu.Lock()
		if len(b.head) < 256 {
			k := 256 - len(b.head)
			if k > n {
				k = n
			}
			b.head = append(b.head, p[:k]...)
		}
		b.tail = append(b.tail, p[:n]...)
		if len(b.tail) > 256 {
			b.tail = append([]byte(nil), b.tail[len(b.tail)-256:]...)
		}
		b.n += int64(n)
		b.mu.Unlock()
	}
	return n, err
}

func (b *bodyTap) Close() error { return b.rc.Close() }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	e := &wireEntry{Method: req.Method, Path: req.URL.Path, Query: req.URL.RawQuery,
		Headers: map[string]string{}, RespHeaders: map[string]string{}}
	for _, h := range reqHeaders {
		if v := req.Header.Values(h); len(v) > 0 {
			e.Headers[h] = fmt.Sprint(v)
		}
	}
	var tap *bodyTap
	if req.Body != nil && req.Body != http.NoBody {
		tap = &bodyTap{rc: req.Body, mu: &r.mu}
		req.Body = tap
	}
	r.mu.Lock()
	e.Tag = r.tag
	r.wire = append(r.wire, e)
	r.mu.Unlock()
	res, err := r.inner.RoundTrip(req)
	r.mu.Lock()
	defer r.mu.Unlock()
	if tap != nil {
		e.BodyHead, e.BodyTail, e.BodyLen = string(tap.head), string(tap.tail), tap.n
	}
	if err != nil {
		e.Status = -1
		return res, err
	}
	e.Status = res.StatusCode
	for _, h := range respHeaders {
		if v := res.Header.Get(h); v != "" {
			e.RespHeaders[h] = v
		}
	}
	return res, err
}

func (r *recorder) setTag(t string) {
	r.mu.Lock()
	r.tag = t
	r.mu.Unlock()
}

// onlyReader hides ReadAt (and Seek) of the file: minio-go then reads it part by part.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func main() {
	var sp spec
	raw, err := os.ReadFile(os.Args[1])
	must(err, "read spec")
	must(json.Unmarshal(raw, &sp), "parse spec")
	ctx := context.Background()
	B := sp.Bucket
	report := map[string]interface{}{}
	rec := &recorder{inner: http.DefaultTransport.(*http.Transport).Clone()}

	newClient := func(trailing bool) *minio.Client {
		mc, err := minio.New(fmt.Sprintf("%s:%d", sp.Host, sp.Port), &minio.Options{
			Creds:           credentials.NewStaticV4(sp.AccessKey, sp.SecretKey, ""),
			Secure:          false,
			Region:          "us-east-1",
			BucketLookup:    minio.BucketLookupPath,
			Transport:       rec,
			TrailingHeaders: trailing,
		})
		must(err, "minio.New")
		return mc
	}
	mc := newClient(false)
	mcTrailer := newClient(true)
	rec.setTag("setup")
	must(mc.MakeBucket(ctx, B, minio.MakeBucketOptions{Region: "us-east-1"}), "MakeBucket")

	upload := func(name string, c *minio.Client, body io.Reader, size int64, opts minio.PutObjectOptions) {
		key := sp.Keys[name]
		rec.setTag(name)
		info, err := c.PutObject(ctx, B, key, body, size, opts)
		must(err, "PutObject "+name)
		rec.setTag(name + "/read")
		r := map[string]interface{}{
			"info": map[string]interface{}{"etag": info.ETag, "size": info.Size,
				"crc32c": info.ChecksumCRC32C},
		}
		so := minio.StatObjectOptions{}
		so.Set("x-amz-checksum-mode", "ENABLED")
		st, err := c.StatObject(ctx, B, key, so)
		must(err, "StatObject "+name)
		r["stat"] = map[string]interface{}{"etag": st.ETag, "size": st.Size, "crc32c": st.ChecksumCRC32C,
			"content_type": st.ContentType, "origin": st.UserMetadata["Origin"]}
		obj, err := c.GetObject(ctx, B, key, minio.GetObjectOptions{})
		must(err, "GetObject "+name)
		data, err := io.ReadAll(obj)
		must(err, "read GetObject "+name)
		obj.Close()
		must(os.WriteFile(filepath.Join(sp.Out, name+".bin"), data, 0o644), "write "+name)
		report[name] = r
	}

	open := func(name string) (*os.File, int64) {
		f, err := os.Open(sp.Files[name])
		must(err, "open "+name)
		fi, err := f.Stat()
		must(err, "stat "+name)
		return f, fi.Size()
	}

	f, n := open("crc32c")
	upload("crc32c", mc, onlyReader{f}, n, minio.PutObjectOptions{PartSize: sp.PartSize,
		ContentType: "application/x-fakes3-test", UserMetadata: map[string]string{"origin": "minio-go"}})
	f.Close()

	data, err := os.ReadFile(sp.Files["trailer"])
	must(err, "read trailer")
	upload("trailer", mcTrailer, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{PartSize: sp.PartSize, NumThreads: 3})

	f, n = open("md5")
	upload("md5", mc, onlyReader{f}, n, minio.PutObjectOptions{PartSize: sp.PartSize, SendContentMd5: true})
	f.Close()

	rec.setTag("end")
	inProgress := []string{}
	for u := range mc.ListIncompleteUploads(ctx, B, "", true) {
		must(u.Err, "ListIncompleteUploads")
		inProgress = append(inProgress, u.Key+" "+u.UploadID)
	}
	report["in_progress"] = inProgress

	rec.mu.Lock()
	report["wire"] = rec.wire
	rec.mu.Unlock()
	j, err := json.MarshalIndent(report, "", " ")
	must(err, "json")
	must(os.WriteFile(filepath.Join(sp.Out, "report.json"), j, 0o644), "write report")
}
