/*
 * config: the input file of a run, as a typed and validated C struct.
 *
 * Design. The input is TOML 1.0. One C++ file (src/config/toml_bridge.cpp)
 * parses it with toml++ into a small tree of C nodes that carry their line and
 * column; everything else is C. A single table of key descriptions, the schema
 * (src/config/schema.c), drives everything that follows: the defaults, the type
 * and range checks, the "did you mean" suggestions, the resolved configuration
 * written back as TOML (run.toml, --check) and the reference in doc/input.md,
 * which a test keeps equal to the schema. Cross-key rules (which stages run,
 * which keys apply to which model, the box from the packing fraction, cutoffs
 * against the box) run after the per-key checks, in src/config/resolve.c.
 *
 * A user error stops at the first problem in file order and is reported as one
 * line, "file:line:col: error: message", in the caller's buffer. The module
 * knows nothing of MPI: the application reads the file on one rank, broadcasts
 * the text, and every rank parses the same bytes into the same struct.
 */
#ifndef ACTIVEMPI_CONFIG_H
#define ACTIVEMPI_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define AMP_STR_LEN 1024 /* longest string value + 1 (paths) */
#define AMP_ERR_LEN 1024 /* longest error line + 1 */

/* Return codes of the config functions. */
enum { AMP_CONFIG_OK = 0, AMP_CONFIG_INVALID = 2 };

/* The pipeline's stages, in the order they run. */
typedef enum {
  AMP_STAGE_SIMULATE,
  AMP_STAGE_TRAIN,
  AMP_STAGE_EVALUATE,
  AMP_STAGE_EXACT,
  AMP_NSTAGES
} amp_stage;

typedef enum { AMP_MODEL_AOUP, AMP_MODEL_ABP } amp_model;
typedef enum {
  AMP_POTENTIAL_SOFTPLUS_HARMONIC,
  AMP_POTENTIAL_HARMONIC,
  AMP_POTENTIAL_WCA,
  AMP_POTENTIAL_NONE
} amp_potential;
typedef enum { AMP_BONDS_NONE, AMP_BONDS_CHAIN, AMP_BONDS_RING, AMP_BONDS_LATTICE, AMP_BONDS_DISTANCE } amp_bonds_kind;
typedef enum { AMP_EXACT_GAUSSIAN, AMP_EXACT_RING } amp_exact_reference;
typedef enum {
  AMP_INITIAL_RANDOM,
  AMP_INITIAL_NONOVERLAPPING,
  AMP_INITIAL_LATTICE,
  AMP_INITIAL_FILE,
  AMP_INITIAL_ORIGIN
} amp_initial;
typedef enum { AMP_LOSS_DENOISING, AMP_LOSS_DENOISING_INTERNAL, AMP_LOSS_IMPLICIT } amp_loss;
typedef enum { AMP_OPTIMIZER_RADAM, AMP_OPTIMIZER_ADAM } amp_optimizer;
typedef enum { AMP_POOLING_SELF, AMP_POOLING_MEAN } amp_pooling;
typedef enum { AMP_ENVELOPE_NONE, AMP_ENVELOPE_SMOOTH } amp_envelope;
typedef enum { AMP_DISTANCE_NONE, AMP_DISTANCE_INPUT } amp_distance;
typedef enum { AMP_FORCES_NONE, AMP_FORCES_INPUT, AMP_FORCES_DRIFT } amp_forces;
typedef enum { AMP_NEIGHBORHOOD_SPACE, AMP_NEIGHBORHOOD_BONDS } amp_neighborhood_kind;
typedef enum { AMP_POSITIONS_RELATIVE, AMP_POSITIONS_ABSOLUTE } amp_positions;
typedef enum { AMP_OUTPUTS_INTERNAL, AMP_OUTPUTS_POSITION } amp_outputs;
typedef enum { AMP_SHIFT_NONE, AMP_SHIFT_EQUILIBRIUM } amp_shift;
typedef enum { AMP_REDISTRIBUTE_ON, AMP_REDISTRIBUTE_OFF } amp_redistribute_mode;
typedef enum { AMP_SOURCE_FILE, AMP_SOURCE_ONLINE } amp_data_source;

/* The resolved configuration: every key of doc/input.md, defaults filled in,
 * plus the quantities derived from them. Plain data: copy it with '='. */
typedef struct {
  struct {
    unsigned stages;          /* bit (1u << amp_stage) set when that stage runs */
    long long seed;           /* key of the counter-based random streams */
    char output_dir[AMP_STR_LEN];
    int replicas;             /* independent configurations; divides the rank count */
    double progress_interval; /* seconds between progress lines (rank 0) */
    int blas_threads;         /* OpenBLAS threads per rank */
  } run;
  struct {
    amp_model model;
    int dimension;           /* d, 1 to 3 */
    long long particles;     /* N */
    double packing_fraction; /* phi; derived from box_length when that is given */
    double box_length;       /* L; derived from packing_fraction when that is given */
    double radius;           /* a */
  } system;
  struct {
    amp_potential potential;
    double stiffness;        /* k */
    double beta;             /* softplus sharpness */
    double cutoff_tolerance; /* softplus force at the cutoff */
    double trap;             /* A */
    amp_bonds_kind bonds;    /* harmonic springs on a graph of global ids */
    double bond_stiffness;   /* k_b */
    double bond_distance;    /* distance bonds: pairs closer than this in the reference */
    char bond_reference[AMP_STR_LEN]; /* distance bonds: H5MD file whose last frame is the reference */
    double bond_reach;       /* longest bond allowed; the halo covers it */
  } interaction;
  struct {
    double v0;
    double gamma;                   /* AOUP: g relaxation rate */
    double translational_diffusion; /* eps (AOUP) or Dt (ABP) */
    double rotational_diffusion;    /* ABP: Dr */
    double dt;
  } dynamics;
  struct {
    long long burn_in_steps;
    long long steps;
    long long snapshot_interval;
    long long checkpoint_interval;
    char trajectory[AMP_STR_LEN];
    amp_initial initial;
    char initial_file[AMP_STR_LEN];
    double skin;
    double load_balance_threshold;
  } simulate;
  struct {
    int neighbors;              /* K */
    double neighborhood_cutoff; /* R */
    amp_neighborhood_kind neighborhood; /* tokens: the K nearest in space, or on the bond graph */
    int embed_dim;              /* C */
    int heads;
    int layers;
    int feedforward_dim;        /* F */
    int embed_hidden_layers;
    int embed_hidden_width;
    int decoder_hidden_layers;
    int decoder_hidden_width;
    int feedforward_layers;
    amp_pooling pooling;
    amp_envelope envelope;      /* smooth: neighbour tokens fade out at R (nn.h) */
    amp_distance distance;      /* input: the position embedding also reads |x_i - x_j| (nn.h) */
    amp_forces forces;          /* input: each token carries the interaction force on its particle; drift: also
                                   its drift relative to the target's (AOUP) */
    amp_positions positions;
    amp_outputs outputs;
    amp_shift shift;
    double activation_memory;   /* MiB */
  } network;
  struct {
    amp_data_source source;    /* file: a trajectory; online: the simulation of this run, through a replay buffer */
    int replay_frames;          /* online: frames of the replay buffer */
    long long steps_per_snapshot; /* online: training steps after each snapshot that enters the buffer */
    amp_loss loss;
    double noise_scale;         /* sigma */
    int batch_particles;
    int frames_per_step;        /* frames each replica draws per optimiser step */
    double data_memory;         /* file: GiB per rank of data frames kept after their first read */
    long long steps;
    amp_optimizer optimizer;
    double learning_rate;
    long long warmup_steps;
    long long decay_steps;
    double clip_norm;
    double weight_decay;
    double ema;
    char data[AMP_STR_LEN];     /* trajectory file(s) to learn from */
    char initial[AMP_STR_LEN];  /* file: a training checkpoint to continue from when output_dir has none ("": none) */
    long long first_snapshot;   /* frames of data skipped */
    double validation_fraction; /* last frames held out */
    long long log_interval;
    long long checkpoint_interval;
    amp_redistribute_mode redistribute; /* work items handed from busy ranks to idle ones */
    char model[AMP_STR_LEN];    /* model file written */
  } train;
  struct {
    amp_data_source source;     /* file: the snapshots of trajectory; online: the simulation of this run, in situ */
    char model[AMP_STR_LEN];
    char trajectory[AMP_STR_LEN];
    char output[AMP_STR_LEN];
    long long first_snapshot;   /* frames skipped */
    long long stride;           /* every stride-th frame from first_snapshot */
    double phase_radius;        /* phase labels: neighbours counted within this distance */
    int solid_neighbors;        /* solid: count (itself included) >= this */
    int gas_neighbors;          /* gas: count <= this; else interface */
    int field_cells;            /* coarse-grained fields: cells per side (0: none) */
    double radial_bin;          /* radial profile about the largest cluster: bin width */
  } evaluate;
  struct {
    amp_exact_reference reference;
    char output[AMP_STR_LEN];        /* results file written, in output_dir */
    char trajectory[AMP_STR_LEN];    /* gaussian: snapshots to evaluate the exact score at; "" for none */
    double gaussian_memory_per_rank; /* gaussian: GiB a rank may use for the eigensolve */
    int ring_cells_r;                /* ring: finite-volume cells in r on the finest grid */
    int ring_cells_u;                /* ring: cells in u on the finest grid */
    double ring_u_max;               /* ring: u is truncated to [-U, U] */
    int ring_levels;                 /* ring: grids of the convergence study (finest, halved, ...) */
  } exact;
  struct {
    int box_given;       /* 1: box_length was given, packing_fraction derived; 0: the reverse */
    double force_cutoff; /* range of the pair force (0 for none) */
    double token_halo;   /* neighborhood_cutoff, + the force cutoff with [network] forces (a token's
                            force is then complete): the halo the tokens of a configuration need */
    double train_halo;   /* train: token_halo + 12 sqrt(d) noise_scale (denoising: a perturbed
                            neighbour may come from that far), else token_halo */
    double volume;       /* L^d */
    double density;      /* N / L^d */
  } derived;
} amp_config;

/* Parse and validate the TOML text (len bytes, need not be NUL-terminated)
 * read from `filename` (used in messages only). On success fills *cfg and
 * returns AMP_CONFIG_OK; otherwise writes one line to err (no newline) and
 * returns AMP_CONFIG_INVALID. */
int amp_config_parse(const char *text, size_t len, const char *filename, amp_config *cfg,
                     char err[AMP_ERR_LEN]);

/* The same with nsets overrides "table.key=value" (value in TOML syntax, as
 * the command line's --set gives them), applied in order over the file's
 * keys before any check: an override is validated like the file's line. */
int amp_config_parse_with(const char *text, size_t len, const char *filename, const char *const *sets, int nsets,
                          amp_config *cfg, char err[AMP_ERR_LEN]);

/* Read `path` whole into a malloc'ed buffer (*text, *len). Returns 0, or
 * AMP_CONFIG_INVALID with the reason in err. */
int amp_config_read_file(const char *path, char **text, size_t *len, char err[AMP_ERR_LEN]);

/* Write the resolved configuration as TOML that amp_config_parse reads back
 * to the same struct: every key that applies, defaults included, and the
 * derived quantities as comments. */
void amp_config_write(FILE *out, const amp_config *cfg);

/* Name of a stage ("simulate", ...). */
const char *amp_stage_name(amp_stage s);

/* Name of a neighbourhood kind as [network] neighborhood writes it ("space", "bonds"). */
const char *amp_neighborhood_name(amp_neighborhood_kind k);

/* Does the run include stage s? */
static inline int amp_config_runs(const amp_config *cfg, amp_stage s) {
  return (cfg->run.stages >> s) & 1u;
}

/* Join a file name from the input onto output_dir ("a/b" + "x.h5" -> "a/b/x.h5";
 * absolute names are kept). Returns 0, or -1 when it does not fit. */
int amp_config_output_path(const amp_config *cfg, const char *name, char *path, size_t size);

/* Version of the TOML parser behind the module, e.g. "toml++ 3.3.0". */
const char *amp_config_parser_version(void);

/* Online training ([train] source = "online"): what becomes of the
 * snapshot j of the simulation (j = 0 is the first after the burn-in).
 * Snapshots before [train] first_snapshot are skipped; of the rest, with
 * validation_fraction f > 0, every round(1/f)-th is held out for validation,
 * the first one included; the others enter the replay buffer. */
typedef enum { AMP_SNAPSHOT_SKIPPED, AMP_SNAPSHOT_TRAIN, AMP_SNAPSHOT_HELD_OUT } amp_snapshot_role;
amp_snapshot_role amp_online_role(const amp_config *cfg, long long j);

/* How many of the snapshots 0 .. count-1 enter the replay buffer. */
long long amp_online_training_snapshots(const amp_config *cfg, long long count);

/* --- the schema, for documentation and its tests ------------------------- */

/* Number of keys in the schema. */
size_t amp_schema_size(void);

/* The documentation row of key i, as it stands in doc/input.md:
 * "| `key` | type | default | valid values | meaning |". Returns the table
 * name ("system") and writes the row into buf. */
const char *amp_schema_doc_row(size_t i, char *buf, size_t size);

#endif
