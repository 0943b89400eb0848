// The client workflow with minio-go v7 (Debian's golang-github-minio-minio-go-v7-dev, built
// offline in GOPATH mode by tests/clients/test_clients.py and install.sh), run as
// `minio_go_workflow SPEC.json`. Over plain HTTP minio-go signs every chunk of an upload
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD, no Content-Encoding). It writes what it saw to
// OUT/report.json and downloads to OUT/*; the test asserts.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

type listing struct {
	Keys     []string `json:"keys"`
	Prefixes []string `json:"prefixes"`
}

type spec struct {
	Host        string                             `json:"host"`
	Port        int                                `json:"port"`
	Bucket      string                             `json:"bucket"`
	RmBucket    string                             `json:"rm_bucket"`
	Files       map[string]string                  `json:"files"`
	Range       [2]int64                           `json:"range"`
	List        struct{ Prefix, Delimiter string } `json:"list"`
	Copy        [2]string                          `json:"copy"`
	Delete      string                             `json:"delete"`
	BatchDelete []string                           `json:"batch_delete"`
	Out         string                             `json:"out"`
	AccessKey   string                             `json:"access_key"`
	SecretKey   string                             `json:"secret_key"`
	Probe       bool                               `json:"probe"`
}

func must(err error, what string) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
		os.Exit(1)
	}
}

func main() {
	var sp spec
	raw, err := os.ReadFile(os.Args[1])
	must(err, "read spec")
	must(json.Unmarshal(raw, &sp), "parse spec")
	ctx := context.Background()
	B, out := sp.Bucket, sp.Out
	report := map[string]interface{}{}

	mc, err := minio.New(fmt.Sprintf("%s:%d", sp.Host, sp.Port), &minio.Options{
		Creds:        credentials.NewStaticV4(sp.AccessKey, sp.SecretKey, ""),
		Secure:       false,
		Region:       "us-east-1",
		BucketLookup: minio.BucketLookupPath,
	})
	must(err, "minio.New")

	// Probe mode (test_clients_auth.py): one ListBuckets with the spec's keys; what it answered.
	if sp.Probe {
		if _, err := mc.ListBuckets(ctx); err != nil {
			er := minio.ToErrorResponse(err)
			report["probe"] = map[string]interface{}{"code": er.Code, "status": er.StatusCode}
		} else {
			report["probe"] = map[string]interface{}{"ok": true}
		}
		writeReport(out, report)
		return
	}

	must(mc.MakeBucket(ctx, B, minio.MakeBucketOptions{Region: "us-east-1"}), "MakeBucket")
	must(mc.MakeBucket(ctx, sp.RmBucket, minio.MakeBucketOptions{Region: "us-east-1"}), "MakeBucket rm")
	ok, err := mc.BucketExists(ctx, B)
	must(err, "BucketExists")
	if !ok {
		must(fmt.Errorf("false after MakeBucket"), "BucketExists")
	}

	// Uploads: small readers of known size (chunk-signed), one with Content-MD5 and metadata, and
	// the 20 MiB file as one PutObject (PartSize above its size).
	put := func(key string, opts minio.PutObjectOptions) minio.UploadInfo {
		data, err := os.ReadFile(sp.Files[key])
		must(err, "read "+key)
		info, err := mc.PutObject(ctx, B, key, bytes.NewReader(data), int64(len(data)), opts)
		must(err, "PutObject "+key)
		return info
	}
	info := put("dir/a.txt", minio.PutObjectOptions{})
	report["put_etag"] = info.ETag
	put("dir/b.txt", minio.PutObjectOptions{SendContentMd5: true, UserMetadata: map[string]string{"color": "green"}})
	put("dir/sub/c.txt", minio.PutObjectOptions{ContentType: "text/plain"})
	put("top.txt", minio.PutObjectOptions{})
	_, err = mc.FPutObject(ctx, B, "large.bin", sp.Files["large.bin"], minio.PutObjectOptions{PartSize: 64 << 20})
	must(err, "FPutObject large.bin")

	// Get, fGet, ranged get, stat.
	get := func(key string, opts minio.GetObjectOptions) []byte {
		obj, err := mc.GetObject(ctx, B, key, opts)
		must(err, "GetObject "+key)
		defer obj.Close()
		data, err := io.ReadAll(obj)
		must(err, "read GetObject "+key)
		return data
	}
	must(os.WriteFile(filepath.Join(out, "a.txt"), get("dir/a.txt", minio.GetObjectOptions{}), 0o644), "write a.txt")
	must(mc.FGetObject(ctx, B, "large.bin", filepath.Join(out, "large.bin"), minio.GetObjectOptions{}), "FGetObject")
	ro := minio.GetObjectOptions{}
	must(ro.SetRange(sp.Range[0], sp.Range[0]+sp.Range[1]-1), "SetRange")
	must(os.WriteFile(filepath.Join(out, "range.bin"), get("large.bin", ro), 0o644), "write range.bin")
	st, err := mc.StatObject(ctx, B, "large.bin", minio.StatObjectOptions{})
	must(err, "StatObject")
	report["head"] = map[string]interface{}{"size": st.Size, "etag": st.ETag}
	stb, err := mc.StatObject(ctx, B, "dir/b.txt", minio.StatObjectOptions{})
	must(err, "StatObject dir/b.txt")
	report["meta_color"] = stb.UserMetadata["Color"]

	// List with prefix and delimiter (Recursive false), v2 and v1. minio-go returns common
	// prefixes as entries whose key ends in the delimiter.
	list := func(v1 bool) listing {
		l := listing{Keys: []string{}, Prefixes: []string{}}
		for o := range mc.ListObjects(ctx, B, minio.ListObjectsOptions{Prefix: sp.List.Prefix, Recursive: false, UseV1: v1}) {
			must(o.Err, "ListObjects")
			if strings.HasSuffix(o.Key, sp.List.Delimiter) {
				l.Prefixes = append(l.Prefixes, o.Key)
			} else {
				l.Keys = append(l.Keys, o.Key)
			}
		}
		return l
	}
	report["list"] = list(false)
	report["list_v1"] = list(true)

	// Copy, delete, stat of the deleted key, batch delete.
	_, err = mc.CopyObject(ctx, minio.CopyDestOptions{Bucket: B, Object: sp.Copy[1]},
		minio.CopySrcOptions{Bucket: B, Object: sp.Copy[0]})
	must(err, "CopyObject")
	must(mc.RemoveObject(ctx, B, sp.Delete, minio.RemoveObjectOptions{}), "RemoveObject")
	if _, err := mc.StatObject(ctx, B, sp.Delete, minio.StatObjectOptions{}); err == nil {
		report["deleted_head"] = "still there"
	} else if er := minio.ToErrorResponse(err); er.StatusCode != 0 {
		report["deleted_head"] = er.StatusCode
	} else {
		report["deleted_head"] = err.Error()
	}
	objs := make(chan minio.ObjectInfo, len(sp.BatchDelete))
	for _, k := range sp.BatchDelete {
		objs <- minio.ObjectInfo{Key: k}
	}
	close(objs)
	batchErrors := []string{}
	for e := range mc.RemoveObjects(ctx, B, objs, minio.RemoveObjectsOptions{}) {
		batchErrors = append(batchErrors, fmt.Sprintf("%s: %v", e.ObjectName, e.Err))
	}
	report["batch_errors"] = batchErrors
	deleted := []string{}
	for _, k := range sp.BatchDelete {
		if _, err := mc.StatObject(ctx, B, k, minio.StatObjectOptions{}); err != nil &&
			minio.ToErrorResponse(err).StatusCode == 404 {
			deleted = append(deleted, k)
		}
	}
	sort.Strings(deleted)
	report["batch_deleted"] = deleted

	// Bucket delete, bucket list, the end state.
	must(mc.RemoveBucket(ctx, sp.RmBucket), "RemoveBucket")
	buckets, err := mc.ListBuckets(ctx)
	must(err, "ListBuckets")
	names := []string{}
	for _, b := range buckets {
		names = append(names, b.Name)
	}
	sort.Strings(names)
	report["buckets"] = names
	final := []string{}
	for o := range mc.ListObjects(ctx, B, minio.ListObjectsOptions{Recursive: true}) {
		must(o.Err, "ListObjects recursive")
		final = append(final, o.Key)
	}
	report["final_keys"] = final
	must(os.WriteFile(filepath.Join(out, "copy.bin"), get(sp.Copy[1], minio.GetObjectOptions{}), 0o644), "write copy.bin")

	writeReport(out, report)
}

func writeReport(out string, report map[string]interface{}) {
	j, err := json.MarshalIndent(report, "", " ")
	must(err, "json")
	must(os.WriteFile(filepath.Join(out, "report.json"), j, 0o644), "write report")
}
