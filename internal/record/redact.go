package record

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// Redacted stands for a credential the recorder left out of a fixture: a
// password, an identity token or a registry token.
const Redacted = "(redacted by the recorder)"

// credentialFields are the fields of the daemon's AuthConfig that hold a
// secret, under the names of X-Registry-Auth and /auth bodies (lower
// case) and of the /auth answer (IdentityToken).
var credentialFields = map[string]bool{
	"password": true, "identitytoken": true, "registrytoken": true, "auth": true,
}

// redactCredentials replaces every credential in a JSON object, and in
// the objects under it (X-Registry-Config maps hosts to them), with
// Redacted; the user name and the server address stay. Text that is not a
// JSON object is replaced whole: whatever it holds, it was sent as a
// credential.
func redactCredentials(doc string) string {
	var v map[string]any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return Redacted
	}
	redactObject(v)
	out, err := json.Marshal(v)
	if err != nil {
		return Redacted
	}
	return string(out)
}

func redactObject(v map[string]any) {
	for k, field := range v {
		switch f := field.(type) {
		case map[string]any:
			redactObject(f)
		case string:
			if credentialFields[strings.ToLower(k)] && f != "" {
				v[k] = Redacted
			}
		}
	}
}

// redactAuthHeader redacts the credentials in an X-Registry-Auth or
// X-Registry-Config value, base64url-encoded JSON (or, from older
// clients, standard base64), keeping its encoding.
func redactAuthHeader(v string) string {
	for _, enc := range []*base64.Encoding{base64.URLEncoding, base64.StdEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(v); err == nil {
			return enc.EncodeToString([]byte(redactCredentials(string(raw))))
		}
	}
	return Redacted
}

// authHeaders are the request headers that carry registry credentials.
var authHeaders = map[string]bool{"X-Registry-Auth": true, "X-Registry-Config": true}
