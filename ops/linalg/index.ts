export {cholesky, type CholeskyOptions} from './cholesky';
export {triangularSolve, triangularInverse, type TriangularSolveOptions} from './triangular_solve';
export {
  spdInverse,
  spdLogDet,
  precisionCholeskyFromCovariance,
  covarianceFromPrecisionCholesky,
  type SpdOptions,
} from './spd';
