package dockwire

import "testing"

func TestVersionRefusal(t *testing.T) {
	for msg, want := range map[string][3]string{
		"client version 1.43 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version\n": {"1.43", "1.44", ""},
		"client version 1.51 is too new. Maximum supported API version is 1.41":                                                  {"1.51", "", "1.41"},
		"Error response from daemon: client version 1.24 is too old. Minimum supported API version is 1.40.":                     {"1.24", "1.40", ""},
		"client version 1.43 is fine":       {},
		"No such container: client version": {},
	} {
		ve := versionRefusal(msg)
		var got [3]string
		if ve != nil {
			got = [3]string{ve.Client, ve.DaemonMin, ve.DaemonMax}
		}
		if got != want {
			t.Errorf("versionRefusal(%q) = %v, want %v", msg, got, want)
		}
	}
}

func TestReferenceParts(t *testing.T) {
	for s, want := range map[string]bool{
		"sha256:" + "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4": true,
		"sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564":                      true,
		"sha256:short": false, "Sha256:" + "a3ed95caeb02ffe68cdd9fd84406680a": false, ":aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": false,
		"sha256-:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": false, "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/x": false,
	} {
		if got := isDigest(s); got != want {
			t.Errorf("isDigest(%q) = %v", s, got)
		}
	}
	for s, want := range map[string]bool{"latest": true, "_x": true, "1.2-rc_3": true, "": false, ".x": false, "-x": false, "a:b": false, string(make([]byte, 129)): false} {
		if got := isTag(s); got != want {
			t.Errorf("isTag(%q) = %v", s, got)
		}
	}
	for line, want := range map[string]string{"Successfully built 0123456789ab\n": "0123456789ab", "sha256:0123456789abcdef\n": "sha256:0123456789abcdef", "Step 1/3 : FROM scratch": "", "Successfully built xyz": ""} {
		if got, ok := builtID(line); ok != (want != "") || ok && got != want {
			t.Errorf("builtID(%q) = %q, %v", line, got, ok)
		}
	}
	for line, want := range map[string]string{"Loaded image: a/b:1\n": "a/b:1", "Loaded image ID: sha256:abc\n": "sha256:abc", "Loaded image: \n": "", "Loaded image: a b": ""} {
		if got, ok := loadedImage(line); ok != (want != "") || ok && got != want {
			t.Errorf("loadedImage(%q) = %q, %v", line, got, ok)
		}
	}
	if got := stripTags("<html><h1>502 Bad Gateway</h1>nginx"); got != "  502 Bad Gateway nginx" {
		t.Errorf("stripTags = %q", got)
	}
}
