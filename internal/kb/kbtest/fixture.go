// Package kbtest helps test code built on the kb domain: a conformance suite
// that every [kb.Backend] must pass ([Run]), the small corpus it runs on
// ([DefaultFixture]), and an in-memory backend with real filter semantics
// ([Fake]) for tests of the layers above the backends.
package kbtest

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Fixture is a corpus a backend loads before [Run] checks it: knowledge
// bases of Markdown documents with metadata, and probes whose right answers
// are known.
type Fixture struct {
	KnowledgeBases []FixtureKnowledgeBase
	// Probes are queries whose best passage must come from a known document.
	Probes []Probe
	// CommonTerm appears in every document of the first knowledge base, so a
	// search for it matches them all (used for max_results and filters).
	CommonTerm string
}

// FixtureKnowledgeBase is one named knowledge base of a [Fixture].
type FixtureKnowledgeBase struct {
	ID          string
	Name        string
	Description string
	Documents   []FixtureDocument
}

// FixtureDocument is one source document. A backend serving it must return
// results whose URI ends with Path (after "/"), e.g. "mammals/kangaroo.md"
// may be served as "mammals/kangaroo.md", "file:///srv/kb/mammals/kangaroo.md"
// or "s3://bucket/animals/mammals/kangaroo.md".
type FixtureDocument struct {
	// Path is relative and slash-separated.
	Path  string
	Title string
	// Text is Markdown; its first line is a "# Title" heading.
	Text string
	// Metadata uses JSON types: string, float64, bool, []any of strings.
	// It is what a Bedrock "<file>.metadata.json" sidecar carries under
	// "metadataAttributes".
	Metadata map[string]any
}

// Probe is a query with a known best document.
type Probe struct {
	KnowledgeBaseID string
	Query           string
	// WantPath is the Path of the document whose passage must rank first.
	WantPath string
	// WantText is a sentence of that document that GetDocument must return.
	WantText string
}

// Document returns the document of knowledge base kbID at path p.
func (f Fixture) Document(kbID, p string) (FixtureDocument, bool) {
	for _, k := range f.KnowledgeBases {
		if k.ID != kbID {
			continue
		}
		for _, d := range k.Documents {
			if d.Path == p {
				return d, true
			}
		}
	}
	return FixtureDocument{}, false
}

// PathOf returns the Path of the document of knowledge base kbID that uri
// names (uri ends with "/"+Path or equals Path), or "" when none does.
func (f Fixture) PathOf(kbID, uri string) string {
	for _, k := range f.KnowledgeBases {
		if k.ID != kbID {
			continue
		}
		for _, d := range k.Documents {
			if uri == d.Path || strings.HasSuffix(uri, "/"+d.Path) {
				return d.Path
			}
		}
	}
	return ""
}

// WriteDir writes the fixture as folders a local backend indexes:
// dir/<kb id>/<path> for each document, with a Bedrock-style
// "<path>.metadata.json" sidecar ({"metadataAttributes": {...}}) beside each
// document that has metadata. It returns the folder of each knowledge base by id.
func (f Fixture) WriteDir(dir string) (map[string]string, error) {
	folders := make(map[string]string, len(f.KnowledgeBases))
	for _, k := range f.KnowledgeBases {
		root := filepath.Join(dir, k.ID)
		folders[k.ID] = root
		for _, d := range k.Documents {
			file := filepath.Join(root, filepath.FromSlash(path.Clean(d.Path)))
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				return nil, fmt.Errorf("fixture %s: %w", d.Path, err)
			}
			if err := os.WriteFile(file, []byte(d.Text), 0o644); err != nil {
				return nil, fmt.Errorf("fixture %s: %w", d.Path, err)
			}
			if len(d.Metadata) == 0 {
				continue
			}
			sidecar, err := json.MarshalIndent(map[string]any{"metadataAttributes": d.Metadata}, "", "  ")
			if err != nil {
				return nil, fmt.Errorf("fixture %s metadata: %w", d.Path, err)
			}
			if err := os.WriteFile(file+".metadata.json", sidecar, 0o644); err != nil {
				return nil, fmt.Errorf("fixture %s metadata: %w", d.Path, err)
			}
		}
	}
	return folders, nil
}

func animal(p, title, class string, legs float64, endangered bool, tags []any, body string) FixtureDocument {
	return FixtureDocument{
		Path:     p,
		Title:    title,
		Text:     "# " + title + "\n\n" + body + "\n",
		Metadata: map[string]any{"class": class, "legs": legs, "endangered": endangered, "tags": tags},
	}
}

// DefaultFixture returns the corpus the conformance suite is written for:
// knowledge base "animals" (eight documents with class, legs, endangered and
// tags metadata, each mentioning "animal") and "recipes" (three documents).
// Every call returns a fresh copy that the caller may change.
func DefaultFixture() Fixture {
	return Fixture{
		CommonTerm: "animal",
		KnowledgeBases: []FixtureKnowledgeBase{
			{
				ID:          "animals",
				Name:        "Animals",
				Description: "Field notes about animals: mammals, birds and reptiles.",
				Documents: []FixtureDocument{
					animal("mammals/kangaroo.md", "Kangaroo", "mammal", 2, false, []any{"australia", "marsupial"},
						"The kangaroo is a marsupial animal of Australia. A female kangaroo carries her joey in a pouch for about six months.\n\nKangaroos move by hopping on their strong hind legs and use the tail for balance."),
					animal("mammals/elephant.md", "Elephant", "mammal", 4, true, []any{"africa", "asia", "herbivore"},
						"The elephant is the largest land animal. Its trunk has tens of thousands of muscles and can lift heavy logs.\n\nElephants live in herds led by the oldest female, the matriarch."),
					animal("mammals/bat.md", "Bat", "mammal", 2, false, []any{"nocturnal", "flying"},
						"The bat is the only mammal that truly flies, a winged animal of the night. Many bats find insects in the dark by echolocation, listening to the echo of their own calls.\n\nA bat roost can hold millions of animals."),
					animal("birds/penguin.md", "Penguin", "bird", 2, false, []any{"antarctica", "flightless", "swimmer"},
						"The penguin is a flightless seabird, an animal built for swimming. Emperor penguins huddle together through the Antarctic winter.\n\nPenguins dive for krill and fish."),
					animal("birds/owl.md", "Owl", "bird", 2, false, []any{"nocturnal", "predator"},
						"The owl is a nocturnal bird of prey. Soft fringed feathers make its flight almost silent, so the animal surprises mice at night.\n\nAn owl can turn its head about 270 degrees."),
					animal("birds/kakapo.md", "Kakapo", "bird", 2, true, []any{"new zealand", "flightless", "nocturnal"},
						"The kakapo is a flightless parrot of New Zealand and a critically endangered animal. Every surviving kakapo has a name and is tracked by rangers.\n\nIt is the heaviest parrot in the world."),
					animal("reptiles/tortoise.md", "Tortoise", "reptile", 4, true, []any{"galapagos", "herbivore"},
						"The Galapagos tortoise is a giant animal that can live for more than a century. Its domed shell protects it from predators.\n\nTortoises graze on grass, leaves and cactus."),
					animal("reptiles/gecko.md", "Gecko", "reptile", 4, false, []any{"nocturnal", "climber"},
						"The gecko is a small lizard, an animal famous for climbing glass. Millions of tiny setae on its toes stick to surfaces through van der Waals forces.\n\nMany geckos chirp to each other at night."),
				},
			},
			{
				ID:          "recipes",
				Name:        "Recipes",
				Description: "Kitchen recipes.",
				Documents: []FixtureDocument{
					{Path: "bread.md", Title: "Sourdough bread", Metadata: map[string]any{"course": "side", "minutes": 1440.0},
						Text: "# Sourdough bread\n\nMix flour, water, salt and an active sourdough starter. Let the dough rise overnight, then bake in a hot dutch oven.\n"},
					{Path: "soup.md", Title: "Tomato soup", Metadata: map[string]any{"course": "starter", "minutes": 40.0},
						Text: "# Tomato soup\n\nRoast ripe tomatoes with garlic, then blend them with basil and a splash of cream.\n"},
					{Path: "pancakes.md", Title: "Pancakes", Metadata: map[string]any{"course": "breakfast", "minutes": 20.0},
						Text: "# Pancakes\n\nWhisk eggs, milk and flour into a smooth batter and fry thin pancakes in butter.\n"},
				},
			},
		},
		Probes: []Probe{
			{KnowledgeBaseID: "animals", Query: "which animal carries its joey in a pouch", WantPath: "mammals/kangaroo.md", WantText: "carries her joey in a pouch"},
			{KnowledgeBaseID: "animals", Query: "echolocation insects", WantPath: "mammals/bat.md", WantText: "by echolocation"},
			{KnowledgeBaseID: "animals", Query: "how do geckos climb glass", WantPath: "reptiles/gecko.md", WantText: "van der Waals forces"},
			{KnowledgeBaseID: "animals", Query: "emperor penguins antarctic winter", WantPath: "birds/penguin.md", WantText: "huddle together through the Antarctic winter"},
			{KnowledgeBaseID: "recipes", Query: "sourdough starter dough", WantPath: "bread.md", WantText: "active sourdough starter"},
		},
	}
}
