from centra_provision.cli import main

main()
