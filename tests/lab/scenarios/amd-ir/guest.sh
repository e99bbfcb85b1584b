lab_main() {
	lab_standard
}
