package dockwire_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/dockwire/dockwire"
	"github.com/dockwire/dockwire/enginetest"
)

// Push an image to a registry with credentials, and follow its progress
// as docker push prints it. Refused credentials are the call's error.
func ExampleClient_ImagePush() {
	e, _ := enginetest.Start() // a fake daemon that answers pushes as Docker does, below
	defer e.Close()
	e.Handle("POST", "/images/{name...}", http.HandlerFunc(fakePush))
	c, _ := dockwire.New(e.Host()) // dockwire.FromEnv() for a real daemon
	ctx := context.Background()

	ref := "registry.example.com:5000/team/app:1"
	// The credentials docker login stored for the registry:
	//	auth, err := dockwire.LoadAuth(dockwire.RegistryHost(ref))
	auth := dockwire.AuthConfig{Username: "jane", Password: "wrong", ServerAddress: dockwire.RegistryHost(ref)}
	_, err := c.ImagePush(ctx, ref, dockwire.ImagePushOptions{Auth: auth})
	var se *dockwire.StreamError
	if errors.Is(err, dockwire.ErrUnauthorized) && errors.As(err, &se) {
		fmt.Println("refused:", se.Message) // the registry's words; err.Error() names the push and the daemon too
	}

	auth.Password = "s3cret"
	push, err := c.ImagePush(ctx, ref, dockwire.ImagePushOptions{Auth: auth})
	if err != nil {
		fmt.Println(err)
		return
	}
	for m, err := range push.Messages() {
		switch {
		case err != nil:
			fmt.Println(err)
			return
		case m.Status == "Pushing":
			// m.Current of m.Total bytes: draw a bar
		case m.ID != "":
			fmt.Printf("%s: %s\n", m.ID, m.Status)
		case m.Status != "":
			fmt.Println(m.Status)
		}
	}
	fmt.Println("pushed", push.Digest())
	// Output:
	// refused: unauthorized: authentication required
	// The push refers to repository [registry.example.com:5000/team/app]
	// 5f70bf18a086: Preparing
	// 5f70bf18a086: Pushed
	// 1: digest: sha256:4aed917e0fbe71d6a4561cb61be10c8fa09482393a402ab59de66ef019d00a26 size: 527
	// pushed sha256:4aed917e0fbe71d6a4561cb61be10c8fa09482393a402ab59de66ef019d00a26
}

// fakePush answers a push as Docker does: the layers, then the
// registry's refusal of a wrong password, or the push.
func fakePush(w http.ResponseWriter, r *http.Request) {
	auth, _ := base64.URLEncoding.DecodeString(r.Header.Get("X-Registry-Auth"))
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"status":"The push refers to repository [registry.example.com:5000/team/app]"}
{"status":"Preparing","progressDetail":{},"id":"5f70bf18a086"}
`)
	if !strings.Contains(string(auth), `"password":"s3cret"`) {
		io.WriteString(w, `{"errorDetail":{"message":"unauthorized: authentication required"},"error":"unauthorized: authentication required"}`+"\n")
		return
	}
	io.WriteString(w, `{"status":"Pushing","progressDetail":{"current":1024,"total":2048},"id":"5f70bf18a086"}
{"status":"Pushed","progressDetail":{},"id":"5f70bf18a086"}
{"status":"1: digest: sha256:4aed917e0fbe71d6a4561cb61be10c8fa09482393a402ab59de66ef019d00a26 size: 527"}
{"progressDetail":{},"aux":{"Tag":"1","Digest":"sha256:4aed917e0fbe71d6a4561cb61be10c8fa09482393a402ab59de66ef019d00a26","Size":527}}
`)
}
