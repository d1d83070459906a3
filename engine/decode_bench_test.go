package engine_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/dockwire/dockwire/engine"
	"github.com/tidwall/gjson"
)

// fixtureBody returns the response body of a recorded exchange.
func fixtureBody(tb testing.TB, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var x struct {
		Response struct{ Body string }
	}
	if err := json.Unmarshal(b, &x); err != nil || x.Response.Body == "" {
		tb.Fatalf("%s: no response body (%v)", path, err)
	}
	return x.Response.Body
}

// BenchmarkDecodeInspect is the decoding of a recorded container inspect:
// what ContainerInspect does on top of the exchange. "valid" is the
// validation alone, for its share. cli-28.5 is Docker 28.5's inspect of a
// container the docker CLI created (testdata/inspect-docker-cli-28.5.json),
// whose HostConfig holds empty lists where dockwire's own creates leave null.
func BenchmarkDecodeInspect(b *testing.B) {
	cli, err := os.ReadFile("testdata/inspect-docker-cli-28.5.json")
	if err != nil {
		b.Fatal(err)
	}
	docs := map[string]string{
		"docker-20.10": fixtureBody(b, "../testdata/docker-20.10/0024-container-inspect.json"),
		"docker-28.5":  fixtureBody(b, "../testdata/docker-28.5/0024-container-inspect.json"),
		"cli-28.5":     string(cli),
	}
	for _, v := range []string{"docker-20.10", "docker-28.5", "cli-28.5"} {
		doc := docs[v]
		b.Run(v+"/decode", func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for range b.N {
				if _, err := engine.Decode[engine.ContainerInspectResponse](doc); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(v+"/gjson.Valid", func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			for range b.N {
				if !gjson.Valid(doc) {
					b.Fatal("invalid")
				}
			}
		})
	}
}

// BenchmarkDecodeServiceList is the decoding of a list of 100 services,
// each the recorded service of Docker 28.5's swarm fixtures: what
// ServiceList does on top of the exchange (bench section 7 measures the
// call against moby's).
func BenchmarkDecodeServiceList(b *testing.B) {
	benchmarkDecodeList[engine.Service](b, "../testdata/docker-28.5/swarm/0014-service-list.json", 100)
}

// BenchmarkDecodeContainerList is the decoding of a list of 1000
// containers, each the recorded summary of Docker 28.5's fixture: what
// ContainerList does on top of the exchange at the largest size of bench
// section 8's list curve.
func BenchmarkDecodeContainerList(b *testing.B) {
	benchmarkDecodeList[engine.ContainerSummary](b, "../testdata/docker-28.5/0023-container-list.json", 1000)
}

// benchmarkDecodeList decodes a list of n copies of the one element that
// the fixture's list holds.
func benchmarkDecodeList[T any, PT interface {
	*T
	engine.Decoder
}](b *testing.B, fixture string, n int) {
	one := strings.TrimSpace(fixtureBody(b, fixture))
	one = strings.TrimSuffix(strings.TrimPrefix(one, "["), "]")
	doc := "[" + strings.TrimSuffix(strings.Repeat(one+",", n), ",") + "]"
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for range b.N {
		list, err := engine.DecodeList[T, PT](doc)
		if err != nil || len(list) != n {
			b.Fatal(len(list), err)
		}
	}
}

// BenchmarkDecodeStats is the decoding of one stats sample recorded from
// Docker 28.5: what each sample of a stream costs on top of reading it
// (bench section 8's stats curve measures the stream against moby's).
func BenchmarkDecodeStats(b *testing.B) {
	doc := fixtureBody(b, "../testdata/docker-28.5/0028-container-stats.json")
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for range b.N {
		if _, err := engine.Decode[engine.StatsResponse](doc); err != nil {
			b.Fatal(err)
		}
	}
}
