package golden

// MaxManifestBytes is the largest manifest ParseManifest reads: a manifest
// is a line per case, and 16 MiB is some 100,000 cases.
const MaxManifestBytes = 16 << 20
