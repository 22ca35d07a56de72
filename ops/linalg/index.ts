export {cholesky, CholeskyOptions} from './cholesky';
export {triangularSolve, triangularInverse, TriangularSolveOptions} from './triangular_solve';
export {spdInverse, spdLogDet, precisionCholeskyFromCovariance, covarianceFromPrecisionCholesky, SpdOptions} from './spd';
