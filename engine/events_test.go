package engine_test

import (
	"errors"
	"testing"
	"time"

	"github.com/dockwire/dockwire/engine"
	"github.com/google/go-cmp/cmp"
)

func TestEventShapes(t *testing.T) {
	const id = "6b01a65f0dc1b71e78048dd70d20f2cda7183fa363c9b8022e514bf67c9f1176"
	die := engine.Event{
		Type: "container", Action: "die", Scope: "local",
		Actor:    engine.EventActor{ID: id, Attributes: map[string]string{"execDuration": "12", "exitCode": "137", "image": "dwprobe:1", "name": "dwprobe"}},
		TimeNano: 1795755154488551792, Time: time.Unix(0, 1795755154488551792).UTC(),
	}
	tests := []struct {
		name string
		doc  string
		want engine.Event
	}{
		{
			// Recorded from Docker 28.5 (API 1.51): the new fields and the
			// status/id/from of API 1.21, which 1.52 dropped.
			"before 1.52",
			`{"status":"die","id":"` + id + `","from":"dwprobe:1","Type":"container","Action":"die","Actor":{"ID":"` + id + `","Attributes":{"execDuration":"12","exitCode":"137","image":"dwprobe:1","name":"dwprobe"}},"scope":"local","time":1795755154,"timeNano":1795755154488551792}`,
			die,
		},
		{
			"1.52 and later",
			`{"Type":"container","Action":"die","Actor":{"ID":"` + id + `","Attributes":{"execDuration":"12","exitCode":"137","image":"dwprobe:1","name":"dwprobe"}},"scope":"local","time":1795755154,"timeNano":1795755154488551792}`,
			die,
		},
		{
			// Events that were never about containers had no status/id/from.
			"network event",
			`{"Type":"network","Action":"disconnect","Actor":{"ID":"8e1c","Attributes":{"container":"6b01","name":"bridge","type":"bridge"}},"scope":"local","time":1795755154,"timeNano":1795755154481671719}`,
			engine.Event{
				Type: "network", Action: "disconnect", Scope: "local",
				Actor:    engine.EventActor{ID: "8e1c", Attributes: map[string]string{"container": "6b01", "name": "bridge", "type": "bridge"}},
				TimeNano: 1795755154481671719, Time: time.Unix(0, 1795755154481671719).UTC(),
			},
		},
		{
			// Only the old fields, as a proxy or an emulation may send:
			// Action, Actor.ID and the image come from status, id and from.
			"old fields only",
			`{"status":"start","id":"abc123","from":"busybox:latest","time":1700000000}`,
			engine.Event{
				Type: "container", Action: "start",
				Actor: engine.EventActor{ID: "abc123", Attributes: map[string]string{"image": "busybox:latest"}},
				Time:  time.Unix(1700000000, 0).UTC(),
			},
		},
		{
			"old image event",
			`{"status":"untag","id":"sha256:1234","time":1700000000,"timeNano":1700000000000000001}`,
			engine.Event{
				Action: "untag", Actor: engine.EventActor{ID: "sha256:1234"},
				TimeNano: 1700000000000000001, Time: time.Unix(0, 1700000000000000001).UTC(),
			},
		},
		{
			// When both are there the new fields win.
			"new fields win",
			`{"status":"exec_start","id":"x","from":"old:tag","Type":"container","Action":"exec_start: sh -c ls","Actor":{"ID":"y","Attributes":{"image":"new:tag"}},"timeNano":5}`,
			engine.Event{
				Type: "container", Action: "exec_start: sh -c ls",
				Actor:    engine.EventActor{ID: "y", Attributes: map[string]string{"image": "new:tag"}},
				TimeNano: 5, Time: time.Unix(0, 5).UTC(),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := engine.Decode[engine.Event](tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			if got.Raw != engine.Raw(tt.doc) {
				t.Error("Raw is not the document")
			}
			got.Raw = ""
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decoded event (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEventNotAnObject(t *testing.T) {
	for _, doc := range []string{`[]`, `42`, `{"Type":`} {
		if _, err := engine.Decode[engine.Event](doc); !errors.Is(err, engine.ErrDecode) {
			t.Errorf("Decode(%s) = %v, want ErrDecode", doc, err)
		}
	}
}
