package record

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"runtime"
)

// tinyImage returns a docker save archive of a one-file image tagged
// tinyImageRef, built here so that image-load needs no registry and its
// bytes, and so the image ID, are the same on every run.
func tinyImage() []byte {
	layer := tarOf(tarFile{"dwrec.txt", "a tiny image\n"})
	diffID := sha256.Sum256(layer)
	config, _ := json.Marshal(map[string]any{
		"architecture": runtime.GOARCH,
		"os":           "linux",
		"created":      FixedTime,
		"config":       map[string]any{"Cmd": []string{"/dwrec.txt"}, "Labels": labels()},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + hex.EncodeToString(diffID[:])}},
		"history":      []map[string]any{{"created": FixedTime, "created_by": "dockwire internal/record"}},
	})
	configID := sha256.Sum256(config)
	configName := hex.EncodeToString(configID[:]) + ".json"
	layerName := hex.EncodeToString(diffID[:]) + "/layer.tar"
	manifest, _ := json.Marshal([]map[string]any{{"Config": configName, "RepoTags": []string{tinyImageRef}, "Layers": []string{layerName}}})
	return tarOf(
		tarFile{layerName, string(layer)},
		tarFile{configName, string(config)},
		tarFile{"manifest.json", string(manifest)},
	)
}
