package decode

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// decodePath is this package's import path.
const decodePath = "github.com/turtle-sniffer/turtle/decode"

// belowDecode are the packages that read, filter, capture and edit frames
// without printing them: they take pcapio.Source, pcapio.Frame,
// pcapio.LinkAddr and the link pseudo-headers from pcapio, so they build
// without the decoder. Their tests may use it (to print what they read).
var belowDecode = []string{"live", "filter", "capture", "edit"}

// decodeAllowed are the files of those packages that need decode.Packet
// itself, with the reason.
var decodeAllowed = map[string]string{
	"edit/split.go": "split by flow keys a frame by its TCP or UDP ports, found past any link header, VLAN tags and IPv6 extension headers: the dissector's job",
}

// TestBelowDecodeDoNotImportDecode parses every Go file of those packages
// whatever its build tags (windows, pcap), so a backend built only
// elsewhere cannot bring the import back unseen.
func TestBelowDecodeDoNotImportDecode(t *testing.T) {
	fset := token.NewFileSet()
	for _, pkg := range belowDecode {
		files, err := filepath.Glob(filepath.Join("..", pkg, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			rel := pkg + "/" + filepath.Base(path)
			for _, imp := range f.Imports {
				if p, _ := strconv.Unquote(imp.Path.Value); p == decodePath && decodeAllowed[rel] == "" {
					t.Errorf("%s imports %s: take Source, Frame, LinkAddr and the link headers from pcapio", rel, decodePath)
				}
			}
		}
		if checked == 0 {
			t.Errorf("found no Go files in ../%s: the package moved, update belowDecode", pkg)
		}
	}
	for rel := range decodeAllowed {
		f, err := parser.ParseFile(fset, filepath.Join("..", filepath.FromSlash(rel)), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		uses := false
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == decodePath {
				uses = true
			}
		}
		if !uses {
			t.Errorf("%s no longer imports %s: drop it from decodeAllowed", rel, decodePath)
		}
	}
}
