/*
 * scalapack: the BLACS, ScaLAPACK and PBLAS symbols the exact module calls,
 * as Debian's libscalapack-openmpi exports them (no header ships with it).
 * Fortran routines take every argument by reference, and gfortran appends a
 * hidden length for each character argument, passed here explicitly.
 */
#ifndef ACTIVEMPI_EXACT_SCALAPACK_H
#define ACTIVEMPI_EXACT_SCALAPACK_H

#include <mpi.h>
#include <stddef.h>

int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int *context, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int context, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int context);

int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc, const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb, const int *irsrc,
               const int *icsrc, const int *context, const int *lld, int *info);
void pdsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, double *w, double *z, const int *iz, const int *jz, const int *descz, double *work,
              const int *lwork, int *iwork, const int *liwork, int *info, size_t jobz_len, size_t uplo_len);
void pdgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k, const double *alpha,
             const double *a, const int *ia, const int *ja, const int *desca, const double *b, const int *ib,
             const int *jb, const int *descb, const double *beta, double *c, const int *ic, const int *jc,
             const int *descc);

/* Global index (0-based) of local index l of a block-cyclic dimension with
 * blocks of nb over nprocs processes, on process p (source process 0). */
static inline int amp_block_cyclic_global(int l, int nb, int p, int nprocs) {
  return (l / nb * nprocs + p) * nb + l % nb;
}

#endif
